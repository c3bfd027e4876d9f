package dev.llada2.checkpoint.gguf;


import dev.llada2.io.AtomicFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a GGUF version 3 file as llama.cpp's writers do: metadata in insertion order, tensor infos,
 * data aligned to {@value GgufFile#DEFAULT_ALIGNMENT} bytes. Tensor bytes are filled in place in a
 * memory mapping of the output, so multi-GB files never pass through the heap.
 *
 * <p>The file is written through {@link AtomicFile} (a temporary name beside the target, renamed onto
 * it only when complete and flushed): an interrupted or failed write never leaves a truncated
 * {@code .gguf}, and never replaces an existing one.
 */
public final class GgufWriter {

    /** A tensor to write; {@code fill} receives its destination bytes. {@code ne} is in ggml order. */
    public record Tensor(String name, GgmlType type, long[] ne, Consumer<MemorySegment> fill) {

        public long bytes() {
            long rows = 1;
            for (int d = 1; d < ne.length; d++) {
                rows *= ne[d];
            }
            return ne[0] / type.blockSize() * type.blockBytes() * rows;
        }
    }

    private record Entry(GgufValueType type, Object value) {
    }

    private final Map<String, Entry> metadata = new LinkedHashMap<>();

    public GgufWriter string(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter u32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter i32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter f32(String key, double value) {
        return put(key, GgufValueType.FLOAT32, (float) value);
    }

    public GgufWriter bool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    /** An array of {@code element} values ({@code String}, {@code Integer}, {@code Float}, ...). */
    public GgufWriter array(String key, GgufValueType element, List<?> values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(element, new ArrayList<>(values)));
    }

    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (metadata.putIfAbsent(key, new Entry(type, value)) != null) {
            throw new IllegalArgumentException("metadata key " + key + " written twice");
        }
        return this;
    }

    /** Writes the metadata and {@code tensors} to {@code out} (atomically: temporary file, then rename). */
    public void write(Path out, List<Tensor> tensors) {
        Header header = new Header();
        header.u32(GgufFile.MAGIC);
        header.u32(3);
        header.u64(tensors.size());
        header.u64(metadata.size());
        metadata.forEach((key, e) -> {
            header.string(key);
            header.u32(e.type.id());
            header.value(e.type, e.value);
        });
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            header.string(t.name());
            header.u32(t.ne().length);
            for (long d : t.ne()) {
                header.u64(d);
            }
            header.u32(t.type().id());
            offsets[i] = offset;
            header.u64(offset);
            offset = GgufFile.alignUp(offset + t.bytes(), GgufFile.DEFAULT_ALIGNMENT);
        }
        byte[] head = header.bytes();
        long dataStart = GgufFile.alignUp(head.length, GgufFile.DEFAULT_ALIGNMENT);
        long total = dataStart + offset;
        try (AtomicFile target = AtomicFile.create(out, total)) {
            try (FileChannel ch = FileChannel.open(target.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofShared()) {
                MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                MemorySegment.copy(MemorySegment.ofArray(head), 0, file, 0, head.length);
                for (int i = 0; i < tensors.size(); i++) {
                    tensors.get(i).fill().accept(file.asSlice(dataStart + offsets[i], tensors.get(i).bytes()));
                }
                file.force();
            }
            target.commit();
        } catch (IOException e) {
            throw AtomicFile.cannotWrite(out, e);
        }
    }

    /** The header bytes, little-endian. */
    private static final class Header {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            out.write(v);
        }

        void u16(int v) {
            scratch.clear();
            scratch.putShort((short) v);
            out.write(scratch.array(), 0, 2);
        }

        void u32(long v) {
            scratch.clear();
            scratch.putInt((int) v);
            out.write(scratch.array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            scratch.putLong(v);
            out.write(scratch.array(), 0, 8);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.write(b, 0, b.length);
        }

        void value(GgufValueType type, Object v) {
            switch (type) {
                case UINT8, INT8 -> u8(((Number) v).intValue());
                case UINT16, INT16 -> u16(((Number) v).intValue());
                case UINT32, INT32 -> u32(((Number) v).longValue());
                case UINT64, INT64 -> u64(((Number) v).longValue());
                case FLOAT32 -> u32(Float.floatToRawIntBits(((Number) v).floatValue()));
                case FLOAT64 -> u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                case BOOL -> u8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> {
                    GgufArray a = (GgufArray) v;
                    u32(a.elementType().id());
                    u64(a.size());
                    for (Object element : a.values()) {
                        value(a.elementType(), element);
                    }
                }
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
