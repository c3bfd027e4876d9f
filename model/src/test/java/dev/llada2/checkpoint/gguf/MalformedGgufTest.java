package dev.llada2.checkpoint.gguf;

import dev.llada2.errors.LladaException;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every class of bad GGUF input gets its own specific error (the file, the key or tensor, what was
 * expected and what was found), as an input error (exit code 3), never an exception trace. The files
 * are built byte by byte ({@link RawGguf}) or are a good file written by {@link GgufWriter} with one
 * thing broken.
 */
class MalformedGgufTest {

    @TempDir
    Path tmp;

    /** A good file: two metadata keys, one F32 tensor of 8 elements, one Q8_0 tensor of 2 x 32. */
    private static RawGguf good(Function<RawGguf, RawGguf> beforeData) {
        RawGguf g = new RawGguf().header(3, 2, 2).kvString("general.architecture", "llada2").kvU32("x.count", 7)
                .tensor("a", GgmlType.F32, 0, 8).tensor("b", GgmlType.Q8_0, 32, 32, 2);
        return beforeData.apply(g).alignAndData(32, 32 + 68);
    }

    @Test
    void aGoodFileReadsBack() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(write(good(g -> g).bytes()), arena);
            assertEquals(3, f.version());
            assertEquals("llada2", f.metadata().string("general.architecture").orElseThrow());
            assertEquals(7L, f.metadata().integer("x.count").orElseThrow());
            assertEquals(68, f.tensors().get("b").data().byteSize());
            assertEquals(32, f.tensors().get("a").data().byteSize());
            assertEquals(32, f.tensors().get("b").offset());
            assertEquals(0, f.dataStart() % 32);
        }
    }

    @Test
    void everyValueTypeReadsBack() {
        GgufWriter w = new GgufWriter().put("u8", GgufValueType.UINT8, 250).put("i8", GgufValueType.INT8, -5)
                .put("u16", GgufValueType.UINT16, 65000).put("i16", GgufValueType.INT16, -30000)
                .u32("u32", 4_000_000_000L).i32("i32", -7).f32("f32", 1.5).bool("bool", true)
                .string("str", "héllo").put("u64", GgufValueType.UINT64, -1L).put("i64", GgufValueType.INT64, -9L)
                .put("f64", GgufValueType.FLOAT64, 2.25).array("ints", GgufValueType.INT32, java.util.List.of(1, -2, 3))
                .array("strs", GgufValueType.STRING, java.util.List.of("a", "", "c"));
        Path f = tmp.resolve("types.gguf");
        w.write(f, java.util.List.of());
        try (Arena arena = Arena.ofConfined()) {
            GgufMetadata m = GgufFile.open(f, arena).metadata();
            assertEquals(250L, m.integer("u8").orElseThrow());
            assertEquals(-5L, m.integer("i8").orElseThrow());
            assertEquals(65000L, m.integer("u16").orElseThrow());
            assertEquals(-30000L, m.integer("i16").orElseThrow());
            assertEquals(4_000_000_000L, m.integer("u32").orElseThrow());
            assertEquals(-7L, m.integer("i32").orElseThrow());
            assertEquals(1.5, m.number("f32").orElseThrow());
            assertEquals(true, m.bool("bool").orElseThrow());
            assertEquals("héllo", m.string("str").orElseThrow());
            assertEquals("UINT64 18446744073709551615", m.describe("u64"));
            assertEquals(-9L, m.integer("i64").orElseThrow());
            assertEquals(2.25, m.number("f64").orElseThrow());
            assertEquals(java.util.List.of(1, -2, 3), m.array("ints", GgufValueType.INT32).orElseThrow());
            assertEquals(java.util.List.of("a", "", "c"), m.array("strs", GgufValueType.STRING).orElseThrow());
            LladaException e = assertThrows(LladaException.class, () -> m.integer("u64", 0, 100));
            assertTrue(e.getMessage().contains("metadata key u64: expected an integer in 0..100"), e.getMessage());
            LladaException typed = assertThrows(LladaException.class, () -> m.array("strs", GgufValueType.INT32));
            assertTrue(typed.getMessage().contains("expected an array of [INT32], found an array of STRING"),
                    typed.getMessage());
        }
    }

    @Test
    void wrongMagic() {
        byte[] b = good(g -> g).bytes();
        b[0] = 'X';
        assertError(b, "not a GGUF file", "magic", "58 47 55 46");
    }

    @Test
    void unsupportedVersion() {
        assertError(new RawGguf().header(1, 0, 0).bytes(), "unsupported GGUF version 1", "versions 2 and 3");
        assertError(new RawGguf().header(4, 0, 0).bytes(), "unsupported GGUF version 4");
        assertError(new RawGguf().u32(GgufFile.MAGIC).u32(Integer.reverseBytes(3)).u64(0).u64(0).bytes(), "big-endian");
    }

    @Test
    void truncatedHeader() {
        byte[] b = good(g -> g).bytes();
        assertError(Arrays.copyOf(b, 10), "truncated", "the tensor count", "at byte 8");
        assertError(Arrays.copyOf(b, 3), "truncated", "the magic number");
        // cut inside the second tensor info
        int cut = new RawGguf().header(3, 2, 2).kvString("general.architecture", "llada2").kvU32("x.count", 7)
                .tensor("a", GgmlType.F32, 0, 8).size() + 10;
        assertError(Arrays.copyOf(b, cut), "truncated", "the dimension count of tensor b");
    }

    @Test
    void truncatedData() {
        byte[] b = good(g -> g).bytes();
        assertError(Arrays.copyOf(b, b.length - 1), "tensor b", "past the end of the file", "truncated");
    }

    @Test
    void tensorDataOutOfBounds() {
        byte[] b = new RawGguf().header(3, 1, 0).tensor("w", GgmlType.F32, 1L << 40, 8).alignAndData(32, 32).bytes();
        assertError(b, "tensor w", "data [1099511627776", "past the end of the file");
    }

    @Test
    void overlappingTensors() {
        byte[] b = new RawGguf().header(3, 2, 0).tensor("a", GgmlType.F32, 0, 16).tensor("b", GgmlType.F32, 32, 8)
                .alignAndData(32, 64).bytes();
        assertError(b, "tensors a [0, 64) and b [32, 64) overlap");
    }

    @Test
    void misalignedOffset() {
        byte[] b = new RawGguf().header(3, 1, 0).tensor("w", GgmlType.F32, 4, 8).alignAndData(32, 64).bytes();
        assertError(b, "tensor w", "data offset 4", "alignment 32");
        byte[] badAlign = new RawGguf().header(3, 0, 1).kvU32("general.alignment", 24).bytes();
        assertError(badAlign, "general.alignment", "power of two", "24");
    }

    @Test
    void unknownTensorType() {
        byte[] b = new RawGguf().header(3, 1, 0).str("w").u32(1).u64(8).u32(99).u64(0).alignAndData(32, 32).bytes();
        assertError(b, "tensor w", "unknown tensor type 99", "Q4_K");
    }

    @Test
    void unknownValueTypeAndBadBool() {
        assertError(new RawGguf().header(3, 0, 1).str("k").u32(13).u32(0).bytes(), "metadata key k",
                "unknown value type 13");
        assertError(new RawGguf().header(3, 0, 1).str("flag").u32(GgufValueType.BOOL.id()).u8(2).bytes(),
                "metadata key flag", "BOOL must be 0 or 1, found 2");
    }

    @Test
    void rowsThatAreNotWholeBlocks() {
        byte[] b = new RawGguf().header(3, 1, 0).tensor("q", GgmlType.Q4_K, 0, 100, 2).alignAndData(32, 288).bytes();
        assertError(b, "tensor q", "ne[0] = 100", "not whole Q4_K blocks of 256");
    }

    @Test
    void stringLengthPastTheEnd() {
        byte[] b = new RawGguf().header(3, 0, 1).str("general.name").u32(GgufValueType.STRING.id()).u64(1000)
                .str("short").bytes();
        assertError(b, "string length 1000", "the value of key general.name", "past the end of the file");
        byte[] arr = new RawGguf().header(3, 0, 1).str("list").u32(GgufValueType.ARRAY.id())
                .u32(GgufValueType.UINT32.id()).u64(1L << 40).bytes();
        assertError(arr, "metadata key list", "an array of 1099511627776 UINT32", "past the end of the file");
    }

    @Test
    void implausibleCountsAndDuplicates() {
        assertError(new RawGguf().header(3, 1L << 50, 0).bytes(), "tensor count", "not plausible");
        assertError(new RawGguf().header(3, 0, 2).kvU32("k", 1).kvU32("k", 2).bytes(), "metadata key k appears twice");
        assertError(new RawGguf().header(3, 2, 0).tensor("w", GgmlType.F32, 0, 8).tensor("w", GgmlType.F32, 32, 8)
                .alignAndData(32, 64).bytes(), "tensor w appears twice");
        assertError(new RawGguf().header(3, 1, 0).tensor("w", GgmlType.F32, 0, 1, 1, 1, 1, 1).bytes(), "tensor w",
                "5 dimensions", "1..4");
    }

    private Path write(byte[] bytes) throws IOException {
        Path f = Files.createTempFile(tmp, "bad", ".gguf");
        Files.write(f, bytes);
        return f;
    }

    private void assertError(byte[] bytes, String... parts) {
        Path f;
        try {
            f = write(bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        LladaException e = assertThrows(LladaException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                GgufFile.open(f, arena);
            }
        });
        assertEquals(LladaException.Kind.INPUT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
        // the model loader reports the same error for the file (a wrong magic: that it is no GGUF file)
        LladaException viaModel = assertThrows(LladaException.class, () -> LoadedModel.open(f).close());
        assertEquals(LladaException.Kind.INPUT, viaModel.kind());
        if (GgufFile.isGguf(f)) {
            assertEquals(e.getMessage(), viaModel.getMessage());
        } else {
            assertTrue(viaModel.getMessage().contains("not a GGUF file"), viaModel.getMessage());
        }
    }
}
