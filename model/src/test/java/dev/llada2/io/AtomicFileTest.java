package dev.llada2.io;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.SafetensorsWriter;
import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outputs appear complete under their name or not at all; failures say why. */
class AtomicFileTest {

    @TempDir
    Path tmp;

    @Test
    void aWriteThatFailsHalfwayLeavesNeitherTheFileNorATemporary() throws Exception {
        Path file = tmp.resolve("model.safetensors");
        Files.writeString(file, "the previous model");
        List<SafetensorsWriter.Entry> entries = List.of(
                new SafetensorsWriter.Entry("a", DType.F32, new long[] {4}, (seg, e) -> seg.fill((byte) 1)),
                new SafetensorsWriter.Entry("b", DType.F32, new long[] {4}, (seg, e) -> {
                    throw new IllegalStateException("interrupted");
                }));
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(file, entries, Map.of(),
                (fills, name) -> fills.forEach(Runnable::run)));
        assertEquals("the previous model", Files.readString(file), "the old file stays until the new one is complete");
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left");
        }
    }

    @Test
    void aCommittedFileReplacesTheTargetAndIsReadableByAll() throws Exception {
        Path file = tmp.resolve("result.json");
        AtomicFile.writeString(file, "{}\n");
        assertEquals("{}\n", Files.readString(file));
        assertTrue(Files.getPosixFilePermissions(file).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void spaceIsCheckedBeforeWritingAndTheErrorSaysHowMuch() {
        LladaException e = assertThrows(LladaException.class, () -> AtomicFile.create(tmp.resolve("huge"), Long.MAX_VALUE));
        assertEquals(4, e.exitCode());
        assertContains(e.getMessage(), "not enough disk space to write", "it needs 9,223,372,036.85 GB", "are available on "
                + tmp);
        assertFalse(Files.exists(tmp.resolve("huge")));
    }

    @Test
    void writeErrorsCarryTheReason() throws Exception {
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        LladaException underFile = assertThrows(LladaException.class,
                () -> AtomicFile.writeString(file.resolve("out.json"), "{}"));
        assertContains(underFile.getMessage(), "cannot write " + file.resolve("out.json"), "not a directory: " + file
                + " is a file");
        LladaException missing = assertThrows(LladaException.class,
                () -> AtomicFile.writeString(tmp.resolve("no/such/out.json"), "{}"));
        assertContains(missing.getMessage(), "no such directory: " + tmp.resolve("no"));
        assertEquals("it is a directory, a file is expected", IoErrors.unreadable(tmp));
        // as root every file is writable, so the errno cases are given as the JDK reports them
        Path p = tmp.resolve("x");
        assertEquals("permission denied", IoErrors.reason(p, new java.nio.file.AccessDeniedException(p.toString())));
        assertEquals("read-only file system", IoErrors.reason(p,
                new java.nio.file.FileSystemException(p.toString(), null, "Read-only file system")));
        assertEquals("no space left on the device", IoErrors.reason(p, new java.io.IOException("No space left on device")));
        assertEquals("no such file", IoErrors.unreadable(tmp.resolve("missing.json")));
    }
}
