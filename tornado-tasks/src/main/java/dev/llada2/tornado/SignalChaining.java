package dev.llada2.tornado;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this JVM runs with Java's signal-chaining library ({@code libjsig.so}) preloaded. The
 * TornadoVM backend needs it on OpenCL drivers built on LLVM (PoCL among them): while such a driver
 * compiles a kernel, LLVM's crash handlers replace the JVM's SIGSEGV handler with a one-shot one, and two
 * threads that meet a safepoint poll or an implicit null check at once kill the JVM with a bare
 * "Segmentation fault" (scripts/jvm-args.sh has the details). {@code ./llada2}, the bundle's launcher and
 * the module's tests preload it; a JVM started by hand without it is warned, once.
 */
final class SignalChaining {

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SignalChaining() {
    }

    /** Whether an {@code LD_PRELOAD} value (entries separated by spaces or colons) names libjsig. */
    static boolean preloaded(String ldPreload) {
        if (ldPreload == null) {
            return false;
        }
        for (String library : ldPreload.split("[ :]+")) {
            if (library.equals("libjsig.so") || library.endsWith("/libjsig.so")) {
                return true;
            }
        }
        return false;
    }

    static void warnOnceIfMissing(PrintStream log) {
        if (!preloaded(System.getenv("LD_PRELOAD")) && WARNED.compareAndSet(false, true)) {
            log.println("llada2: warning: this JVM runs TornadoVM without LD_PRELOAD=$JAVA_HOME/lib/libjsig.so;"
                    + " an OpenCL driver built on LLVM (e.g. PoCL) can then kill it with \"Segmentation fault\""
                    + " (./llada2 preloads it)");
        }
    }
}
