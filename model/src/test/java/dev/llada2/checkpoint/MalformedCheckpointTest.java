package dev.llada2.checkpoint;

import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Malformed safetensors files and sharded checkpoints: every one must fail with a specific message
 * naming the file, the tensor and what was expected. Run alone:
 * {@code ./run-tests -pl model -Dtest=MalformedCheckpointTest}.
 */
class MalformedCheckpointTest {

    @TempDir
    Path dir;

    private static String oneTensor(String dtype, String shape, long begin, long end) {
        return "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}}";
    }

    private LladaException openFails(Path file) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            try {
                SafetensorsFile.open(file, arena);
            } catch (LladaException e) {
                return e;
            }
        }
        throw new AssertionError("expected " + file + " to be rejected");
    }

    @Test
    void wellFormedFileOpens() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("ok.safetensors"), oneTensor("BF16", "[2,3]", 0, 12), 12);
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            TensorInfo t = SafetensorsFile.open(f, arena).tensors().get("w");
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertEquals(12, t.byteSize());
        }
    }

    @Test
    void truncatedFileShorterThanTheLengthField() throws IOException {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertContains(openFails(f).getMessage(), "short.safetensors", "truncated", "3 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("h.safetensors"), 5000, "{}", 0);
        assertContains(openFails(f).getMessage(), "h.safetensors", "header length 5000", "beyond the end of the file");
    }

    @Test
    void implausibleHeaderLength() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("huge.safetensors"), -1L, "{}", 0);
        assertContains(openFails(f).getMessage(), "not plausible");
    }

    @Test
    void headerIsNotJson() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("j.safetensors"), "{\"w\": [", 0);
        assertContains(openFails(f).getMessage(), "j.safetensors", "not valid JSON");
    }

    @Test
    void offsetsOutsideTheDataSection() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("o.safetensors"), oneTensor("F32", "[4]", 0, 16), 8);
        assertContains(openFails(f).getMessage(), "tensor w", "outside the data section (8 bytes)");
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Path f = RawSafetensors.write(dir.resolve("ov.safetensors"), header, 12);
        assertContains(openFails(f).getMessage(), "tensors a", "and b", "overlap");
    }

    @Test
    void byteLengthDoesNotMatchShapeAndDtype() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("len.safetensors"), oneTensor("BF16", "[2,3]", 0, 8), 8);
        assertContains(openFails(f).getMessage(), "tensor w", "BF16 [2,3] needs 12 bytes", "span 8");
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("dt.safetensors"), oneTensor("Q4", "[2]", 0, 2), 2);
        assertContains(openFails(f).getMessage(), "tensor w", "unknown dtype \"Q4\"");
    }

    @Test
    void tensorListedTwiceInOneHeader() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        Path f = RawSafetensors.write(dir.resolve("dup.safetensors"), header, 8);
        assertContains(openFails(f).getMessage(), "dup.safetensors", "Duplicate field 'w'");
    }

    @Test
    void negativeShape() throws IOException {
        Path f = RawSafetensors.write(dir.resolve("neg.safetensors"), oneTensor("F32", "[-1]", 0, 4), 4);
        assertContains(openFails(f).getMessage(), "tensor w", "non-negative integers");
    }

    @Test
    void missingShardOfAShardedCheckpoint() throws IOException {
        RawSafetensors.write(dir.resolve("a.safetensors"), oneTensor("F32", "[1]", 0, 4), 4);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE),
                "{\"weight_map\":{\"w\":\"a.safetensors\",\"v\":\"b.safetensors\"}}");
        LladaException e = assertThrowsInput(() -> Checkpoint.open(dir));
        assertContains(e.getMessage(), "shard b.safetensors", "is missing", "e.g. v");
    }

    @Test
    void malformedIndex() throws IOException {
        RawSafetensors.write(dir.resolve("a.safetensors"), oneTensor("F32", "[1]", 0, 4), 4);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{}}");
        assertContains(assertThrowsInput(() -> Checkpoint.open(dir)).getMessage(), Checkpoint.INDEX_FILE, "\"weight_map\"");
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": ");
        assertContains(assertThrowsInput(() -> Checkpoint.open(dir)).getMessage(), "not valid JSON");
    }

    @Test
    void indexNamesATensorTheShardLacks() throws IOException {
        RawSafetensors.write(dir.resolve("a.safetensors"), oneTensor("F32", "[1]", 0, 4), 4);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\":{\"x\":\"a.safetensors\",\"w\":\"a.safetensors\"}}");
        assertContains(assertThrowsInput(() -> Checkpoint.open(dir)).getMessage(), "tensor x", "mapped to a.safetensors", "does not contain it");
    }

    @Test
    void tensorStoredInTwoShards() throws IOException {
        RawSafetensors.write(dir.resolve("a.safetensors"), oneTensor("F32", "[1]", 0, 4), 4);
        RawSafetensors.write(dir.resolve("b.safetensors"), "{\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE),
                "{\"weight_map\":{\"w\":\"a.safetensors\",\"v\":\"b.safetensors\"}}");
        LladaException e = assertThrowsInput(() -> Checkpoint.open(dir));
        assertContains(e.getMessage(), "b.safetensors: tensor w is listed in", "under a.safetensors, not this file");
    }

    @Test
    void directoryWithoutCheckpoint() throws IOException {
        Files.writeString(dir.resolve("model-00001-of-00002.safetensors"), "");
        assertContains(assertThrowsInput(() -> Checkpoint.open(dir)).getMessage(), "no model.safetensors", "needs its index file");
    }

    static LladaException assertThrowsInput(Runnable r) {
        try {
            r.run();
        } catch (LladaException e) {
            assertEquals(LladaException.Kind.INPUT, e.kind());
            return e;
        }
        throw new AssertionError("expected a LladaException");
    }
}
