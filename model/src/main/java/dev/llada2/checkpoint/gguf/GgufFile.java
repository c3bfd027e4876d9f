package dev.llada2.checkpoint.gguf;

import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One GGUF file (format version 2 or 3, little-endian, as llama.cpp writes it), memory-mapped
 * read-only: tensor data is never copied into the Java heap.
 *
 * <p>Layout: magic {@code "GGUF"}, u32 version, u64 tensor count, u64 metadata count; the metadata
 * (key string, u32 value type, value); the tensor infos (name, u32 dimension count, u64 {@code ne}
 * per dimension, u32 ggml type, u64 offset into the data section); padding to
 * {@code general.alignment} (32 when absent); the data section. Strings are a u64 byte length and
 * UTF-8 bytes.
 *
 * <p>Everything is validated before any tensor is used: counts and lengths against the bytes left
 * in the file, value and tensor types against the known ones, no duplicate keys or tensor names,
 * whole blocks per row, offsets aligned, every tensor inside the file and no two overlapping. Every
 * error names the file and the key or tensor, with what was expected and what was found.
 */
public final class GgufFile {

    /** {@code "GGUF"} read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    private static final int MAX_DIMS = 4;

    private final Path file;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensor> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path file, int version, GgufMetadata metadata, Map<String, GgufTensor> tensors, int alignment,
                     long dataStart) {
        this.file = file;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    public Path file() {
        return file;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensors by name, in the order of the tensor infos. */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    public int alignment() {
        return alignment;
    }

    /** Byte offset of the data section in the file. */
    public long dataStart() {
        return dataStart;
    }

    /** Whether {@code path} is a regular file starting with the GGUF magic. */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            return ch.read(b, 0) == 4 && b.getInt(0) == MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    /** Maps {@code file} into {@code arena} (the mapping lives as long as the arena) and validates it. */
    public static GgufFile open(Path file, Arena arena) {
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw LladaException.input(file + ": file not found");
        } catch (IOException e) {
            throw LladaException.input(file + ": cannot map: " + IoErrors.reason(file, e), e);
        }
        return new Parser(file, all).parse();
    }

    /** One pass over the header; {@code pos} is the next byte to read. */
    private static final class Parser {
        private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final Path file;
        private final MemorySegment all;
        private final long size;
        private long pos;

        Parser(Path file, MemorySegment all) {
            this.file = file;
            this.all = all;
            this.size = all.byteSize();
        }

        GgufFile parse() {
            need(4, "the magic number");
            int magic = all.get(U32, 0);
            if (magic != MAGIC) {
                byte[] found = all.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
                throw fail("not a GGUF file: expected the magic \"GGUF\" (47 47 55 46) at byte 0, found "
                        + hex(found));
            }
            pos = 4;
            int version = u32("the format version");
            if (version != 2 && version != 3) {
                int swapped = Integer.reverseBytes(version);
                if (swapped == 2 || swapped == 3) {
                    throw fail("big-endian GGUF (version " + swapped + " byte-swapped): only little-endian files"
                            + " are supported");
                }
                throw fail("unsupported GGUF version " + Integer.toUnsignedString(version) + ": this reader reads"
                        + " versions 2 and 3" + (version == 1 ? " (version 1 is the obsolete pre-2023 layout;"
                        + " re-convert the model with a current llama.cpp)" : ""));
            }
            long tensorCount = u64("the tensor count");
            long kvCount = u64("the metadata count");
            // every key/value takes at least 13 bytes and every tensor info 24: bounds the counts
            plausible(kvCount, 13, "metadata count");
            plausible(tensorCount, 24, "tensor count");
            LinkedHashMap<String, Object> values = new LinkedHashMap<>();
            LinkedHashMap<String, GgufValueType> types = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = string("the key of metadata entry #" + i);
                int typeId = u32("the value type of key " + key);
                GgufValueType type = GgufValueType.of(typeId).orElseThrow(() -> fail("metadata key " + key
                        + ": unknown value type " + Integer.toUnsignedString(typeId) + " (known: 0..12)"));
                Object value = value(type, key);
                if (values.putIfAbsent(key, value) != null) {
                    throw fail("metadata key " + key + " appears twice");
                }
                types.put(key, type);
            }
            GgufMetadata metadata = new GgufMetadata(file, values, types);
            int alignment = alignment(metadata);
            List<long[]> infos = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<GgmlType> tensorTypes = new ArrayList<>();
            List<long[]> dims = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = string("the name of tensor #" + i);
                if (names.contains(name)) {
                    throw fail("tensor " + name + " appears twice in the tensor infos");
                }
                int nDims = u32("the dimension count of tensor " + name);
                if (nDims < 1 || nDims > MAX_DIMS) {
                    throw fail("tensor " + name + ": " + Integer.toUnsignedString(nDims)
                            + " dimensions (expected 1.." + MAX_DIMS + ")");
                }
                long[] ne = new long[nDims];
                for (int d = 0; d < nDims; d++) {
                    ne[d] = u64("ne[" + d + "] of tensor " + name);
                    if (ne[d] < 0) {
                        throw fail("tensor " + name + ": ne[" + d + "] = " + Long.toUnsignedString(ne[d])
                                + " is not a plausible dimension");
                    }
                }
                int typeId = u32("the type of tensor " + name);
                GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> fail("tensor " + name + ": unknown tensor type "
                        + Integer.toUnsignedString(typeId) + " (known ggml types: "
                        + Arrays.toString(GgmlType.values()) + ")"));
                long offset = u64("the data offset of tensor " + name);
                long bytes = byteSize(name, type, ne);
                if (offset < 0 || offset % alignment != 0) {
                    throw fail("tensor " + name + ": data offset " + Long.toUnsignedString(offset)
                            + " is not a multiple of the alignment " + alignment);
                }
                names.add(name);
                tensorTypes.add(type);
                dims.add(ne);
                infos.add(new long[] {offset, bytes});
            }
            long dataStart = alignUp(pos, alignment);
            long dataBytes = Math.max(0, size - dataStart);
            Map<String, GgufTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                long offset = infos.get(i)[0];
                long bytes = infos.get(i)[1];
                if (offset > dataBytes || bytes > dataBytes - offset) {
                    throw fail("tensor " + names.get(i) + ": data [" + offset + ", " + (offset + bytes)
                            + ") of the data section lies past the end of the file (the data section has " + dataBytes
                            + " bytes from byte " + dataStart + "): the file is truncated or its offsets are wrong");
                }
                tensors.put(names.get(i), new GgufTensor(names.get(i), tensorTypes.get(i), dims.get(i), offset,
                        all.asSlice(dataStart + offset, bytes)));
            }
            checkOverlaps(tensors);
            return new GgufFile(file, version, metadata, Collections.unmodifiableMap(tensors), alignment, dataStart);
        }

        private int alignment(GgufMetadata metadata) {
            if (!metadata.has(ALIGNMENT_KEY)) {
                return DEFAULT_ALIGNMENT;
            }
            if (metadata.type(ALIGNMENT_KEY).orElseThrow() != GgufValueType.UINT32) {
                throw metadata.error(ALIGNMENT_KEY, "expected a UINT32, found " + metadata.describe(ALIGNMENT_KEY));
            }
            long a = metadata.integer(ALIGNMENT_KEY).orElseThrow();
            if (a <= 0 || Long.bitCount(a) != 1) {
                throw metadata.error(ALIGNMENT_KEY, "must be a power of two, found " + a);
            }
            return (int) a;
        }

        /** Bytes of a tensor: whole blocks per row, no overflow. */
        private long byteSize(String name, GgmlType type, long[] ne) {
            if (ne[0] % type.blockSize() != 0) {
                throw fail("tensor " + name + ": its rows of ne[0] = " + ne[0] + " elements are not whole " + type
                        + " blocks of " + type.blockSize());
            }
            try {
                long rows = 1;
                for (int d = 1; d < ne.length; d++) {
                    rows = Math.multiplyExact(rows, ne[d]);
                }
                return Math.multiplyExact(ne[0] / type.blockSize() * type.blockBytes(), rows);
            } catch (ArithmeticException e) {
                throw fail("tensor " + name + ": ne " + Arrays.toString(ne) + " is too large");
            }
        }

        private void checkOverlaps(Map<String, GgufTensor> tensors) {
            List<GgufTensor> sorted = new ArrayList<>(tensors.values());
            sorted.removeIf(t -> t.data().byteSize() == 0);
            sorted.sort(Comparator.comparingLong(GgufTensor::offset));
            for (int i = 1; i < sorted.size(); i++) {
                GgufTensor a = sorted.get(i - 1);
                GgufTensor b = sorted.get(i);
                if (a.offset() + a.data().byteSize() > b.offset()) {
                    throw fail("tensors " + a.name() + " [" + a.offset() + ", " + (a.offset() + a.data().byteSize())
                            + ") and " + b.name() + " [" + b.offset() + ", " + (b.offset() + b.data().byteSize())
                            + ") overlap in the data section");
                }
            }
        }

        private Object value(GgufValueType type, String key) {
            String what = "the value of key " + key;
            return switch (type) {
                case UINT8 -> u8(what);
                case INT8 -> (int) (byte) u8(what);
                case UINT16 -> u16(what) & 0xFFFF;
                case INT16 -> (int) (short) u16(what);
                case UINT32 -> Integer.toUnsignedLong(u32(what));
                case INT32 -> u32(what);
                case FLOAT32 -> f32(what);
                case BOOL -> {
                    int b = u8(what);
                    if (b > 1) {
                        throw fail("metadata key " + key + ": a BOOL must be 0 or 1, found " + b);
                    }
                    yield b == 1;
                }
                case STRING -> string(what);
                case UINT64, INT64 -> u64(what);
                case FLOAT64 -> f64(what);
                case ARRAY -> array(key);
            };
        }

        private GgufArray array(String key) {
            int typeId = u32("the element type of array " + key);
            GgufValueType element = GgufValueType.of(typeId).orElseThrow(() -> fail("metadata key " + key
                    + ": array of unknown value type " + Integer.toUnsignedString(typeId)));
            if (element == GgufValueType.ARRAY) {
                throw fail("metadata key " + key + ": arrays of arrays are not supported");
            }
            long count = u64("the length of array " + key);
            if (count < 0 || count > (size - pos) / element.minBytes()) {
                throw fail("metadata key " + key + ": an array of " + Long.toUnsignedString(count) + " " + element
                        + " at byte " + pos + " needs at least " + (count < 0 ? "2^63" : count * element.minBytes())
                        + " bytes, past the end of the file (" + size + " bytes)");
            }
            List<Object> values = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                values.add(value(element, key + "[" + i + "]"));
            }
            return new GgufArray(element, values);
        }

        private String string(String what) {
            long at = pos;
            long length = u64("the length of " + what);
            if (length < 0 || length > size - pos) {
                throw fail("string length " + Long.toUnsignedString(length) + " of " + what + " at byte " + at
                        + " reaches past the end of the file (" + size + " bytes)");
            }
            byte[] bytes = all.asSlice(pos, length).toArray(ValueLayout.JAVA_BYTE);
            pos += length;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private void plausible(long count, int minBytes, String what) {
            if (count < 0 || count > (size - pos) / minBytes) {
                throw fail("the " + what + " " + Long.toUnsignedString(count) + " is not plausible: the "
                        + (size - pos) + " bytes after the header counts hold at most " + (size - pos) / minBytes
                        + " (the file is truncated or corrupt)");
            }
        }

        private int u8(String what) {
            need(1, what);
            return all.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
        }

        private short u16(String what) {
            need(2, what);
            short v = all.get(U16, pos);
            pos += 2;
            return v;
        }

        private int u32(String what) {
            need(4, what);
            int v = all.get(U32, pos);
            pos += 4;
            return v;
        }

        private long u64(String what) {
            need(8, what);
            long v = all.get(U64, pos);
            pos += 8;
            return v;
        }

        private float f32(String what) {
            need(4, what);
            float v = all.get(F32, pos);
            pos += 4;
            return v;
        }

        private double f64(String what) {
            need(8, what);
            double v = all.get(F64, pos);
            pos += 8;
            return v;
        }

        private void need(long bytes, String what) {
            if (pos + bytes > size) {
                throw fail("truncated: reading " + what + " at byte " + pos + " needs " + bytes
                        + " bytes, but the file ends at byte " + size);
            }
        }

        private LladaException fail(String message) {
            return LladaException.input(file + ": " + message);
        }

        private static String hex(byte[] b) {
            StringBuilder sb = new StringBuilder();
            for (byte x : b) {
                sb.append(sb.isEmpty() ? "" : " ").append(String.format("%02X", x & 0xFF));
            }
            return sb.toString();
        }
    }

    static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }
}
