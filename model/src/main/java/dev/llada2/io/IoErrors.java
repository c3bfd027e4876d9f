package dev.llada2.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Says why a file operation failed in words a user can act on: "no such directory", "permission
 * denied", "read-only file system", "not a regular file". The JDK's messages are often only the
 * path again (a {@link NoSuchFileException}'s message is the file name), or an errno text that does
 * not say which part of the path is wrong.
 */
public final class IoErrors {

    private IoErrors() {
    }

    /** The reason {@code e} happened on {@code path}, without the path itself. */
    public static String reason(Path path, IOException e) {
        Path parent = path.toAbsolutePath().getParent();
        String text = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : String.valueOf(e.getMessage());
        if (e instanceof NoSuchFileException) {
            Path missing = firstMissing(path);
            return missing == null || missing.equals(path.toAbsolutePath()) ? "no such file"
                    : "no such directory: " + missing;
        }
        if (e instanceof NotDirectoryException || text.contains("Not a directory")) {
            Path file = firstFileInPath(path);
            return "not a directory: " + (file == null ? parent : file) + " is a file";
        }
        if (e instanceof AccessDeniedException || text.contains("Permission denied")) {
            return "permission denied";
        }
        if (text.contains("Read-only file system")) {
            return "read-only file system";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "it already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "the directory is not empty";
        }
        if (text.contains("No space left on device")) {
            return "no space left on the device";
        }
        if (text.contains("Is a directory") || Files.isDirectory(path)) {
            return "it is a directory, a file is expected";
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            return "not a regular file";
        }
        return text;
    }

    /** "PATH: reason" for an error message. */
    public static String describe(Path path, IOException e) {
        return path + ": " + reason(path, e);
    }

    /** What is wrong with reading {@code file} as a regular file, or null when nothing is. */
    public static String unreadable(Path file) {
        if (Files.isDirectory(file)) {
            return "it is a directory, a file is expected";
        }
        if (!Files.exists(file)) {
            Path missing = firstMissing(file);
            if (missing == null && firstFileInPath(file) != null) {
                return "not a directory: " + firstFileInPath(file) + " is a file";
            }
            return missing == null || missing.equals(file.toAbsolutePath()) ? "no such file"
                    : "no such directory: " + missing;
        }
        if (!Files.isRegularFile(file)) {
            return "not a regular file";
        }
        if (!Files.isReadable(file)) {
            return "permission denied";
        }
        return null;
    }

    /** The shortest prefix of {@code path} that does not exist (null when one of its parents is a file). */
    public static Path firstMissing(Path path) {
        Path p = path.toAbsolutePath();
        Path missing = null;
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q)) {
                return Files.isDirectory(q) ? missing : null;
            }
            missing = q;
        }
        return missing;
    }

    /** The first prefix of {@code path} (not itself) that is a regular file, or null. */
    public static Path firstFileInPath(Path path) {
        Path p = path.toAbsolutePath();
        Path root = p.getRoot();
        Path q = root;
        for (int i = 0; i < p.getNameCount() - 1; i++) {
            q = q == null ? p.getName(i) : q.resolve(p.getName(i));
            if (Files.isRegularFile(q)) {
                return q;
            }
        }
        return null;
    }
}
