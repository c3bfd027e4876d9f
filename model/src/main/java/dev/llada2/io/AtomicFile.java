package dev.llada2.io;

import dev.llada2.errors.LladaException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An output file written under a temporary name in its target's directory and renamed onto the
 * target only when complete ({@link #commit}): a failed, interrupted (Ctrl-C, SIGTERM) or crashed
 * write never leaves a half-written model or result under the real name, and a reader never sees
 * one. Every writer of a model or a result file goes through this class.
 *
 * <p>Uncommitted temporary files are deleted by {@link #close} and, when the JVM is stopped by a
 * signal (which runs shutdown hooks but no {@code finally} blocks), by a shutdown hook.
 */
public final class AtomicFile implements AutoCloseable {

    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private final Path target;
    private final Path temp;
    private boolean committed;

    private AtomicFile(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /**
     * Creates the temporary file beside {@code target} after checking that {@code bytes} fit on its
     * file system.
     */
    public static AtomicFile create(Path target, long bytes) {
        Path dir = target.toAbsolutePath().getParent();
        requireSpace(dir, bytes, target.toString());
        installHook();
        try {
            Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
            PENDING.add(temp);
            if (temp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // a temporary file is created private (rw-------); the finished file is an ordinary one
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            return new AtomicFile(target, temp);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    /** Writes {@code text} (UTF-8) to {@code target} atomically. */
    public static void writeString(Path target, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (AtomicFile f = create(target, bytes.length)) {
            Files.write(f.path(), bytes);
            f.commit();
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    /** The temporary file to write. */
    public Path path() {
        return temp;
    }

    public Path target() {
        return target;
    }

    /** Flushes the temporary file to the disk and renames it onto the target (replacing it). */
    public void commit() {
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
            PENDING.remove(temp);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    /** Deletes the temporary file unless committed. */
    @Override
    public void close() {
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the failure that stopped the write is what the user needs to see
            }
            PENDING.remove(temp);
        }
    }

    /**
     * Refuses to start when {@code bytes} do not fit in the usable space of the file system holding
     * {@code dir} (or its nearest existing parent, for a directory still to be created).
     */
    public static void requireSpace(Path dir, long bytes, String what) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        try {
            FileStore store = Files.getFileStore(existing);
            long usable = store.getUsableSpace();
            if (bytes > usable) {
                throw LladaException.runtime("not enough disk space to write " + what + ": it needs "
                        + gb(bytes) + ", " + gb(usable) + " are available on " + existing);
            }
        } catch (IOException e) {
            // a file system that cannot report its space: the write itself will say if it fills up
        }
    }

    /** The error for a failed write of {@code target}, with the reason. */
    public static LladaException cannotWrite(Path target, IOException e) {
        return LladaException.runtime("cannot write " + target + ": " + IoErrors.reason(target, e), e);
    }

    private static String gb(long bytes) {
        return bytes >= 100_000_000 ? String.format("%,.2f GB", bytes / 1e9) : String.format("%,d bytes", bytes);
    }

    private static void installHook() {
        if (!hookInstalled) {
            synchronized (PENDING) {
                if (!hookInstalled) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> PENDING.forEach(p -> {
                        try {
                            Files.deleteIfExists(p);
                        } catch (IOException ignored) {
                            // the JVM is going down; nothing else can be done
                        }
                    }), "llada2-partial-files"));
                    hookInstalled = true;
                }
            }
        }
    }
}
