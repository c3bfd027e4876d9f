package dev.llada2.errors;

/**
 * The one exception type the engine throws for a problem a user can act on: a bad file, a bad
 * value, a device that cannot be used. The message is complete on its own (which file, which
 * tensor, what was expected and what was found), so the CLI prints it without a stack trace and
 * exits with {@link #exitCode()}.
 */
public class LladaException extends RuntimeException {

    /** What kind of problem this is; decides the process exit code (documented in the README). */
    public enum Kind {
        /** Bad input: a file, a model directory, a config value, a profile. Exit code 3. */
        INPUT(3),
        /** A runtime problem: a device failed, memory does not fit, a backend is missing. Exit code 4. */
        RUNTIME(4);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;

    public LladaException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public LladaException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static LladaException input(String message) {
        return new LladaException(Kind.INPUT, message);
    }

    public static LladaException input(String message, Throwable cause) {
        return new LladaException(Kind.INPUT, message, cause);
    }

    public static LladaException runtime(String message) {
        return new LladaException(Kind.RUNTIME, message);
    }

    public static LladaException runtime(String message, Throwable cause) {
        return new LladaException(Kind.RUNTIME, message, cause);
    }

    public Kind kind() {
        return kind;
    }

    public int exitCode() {
        return kind.exitCode();
    }
}
