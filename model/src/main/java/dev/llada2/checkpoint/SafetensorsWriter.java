package dev.llada2.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.io.AtomicFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Writes one {@code .safetensors} file: the header first, then each tensor's bytes, filled in place
 * in a memory mapping of the file (so multi-GB random checkpoints never pass through the heap).
 * Data offsets are aligned to 8 bytes, as the reference writer pads the header. The file is written
 * through {@link AtomicFile}: under a temporary name, renamed when complete.
 */
public final class SafetensorsWriter {

    /** A tensor to write; {@code fill} receives its destination bytes (little-endian) and the spec. */
    public record Entry(String name, DType dtype, long[] shape, BiConsumer<MemorySegment, Entry> fill) {
        public long bytes() {
            long n = dtype.bytes();
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code entries} to {@code file}; tensors are filled by {@code runner} (which may run the
     * fills in parallel), each into its own slice.
     */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata,
                             BiConsumer<List<Runnable>, String> runner) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        long[] begin = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            begin[i] = offset;
            t.putArray("data_offsets").add(offset).add(offset + e.bytes());
            offset += e.bytes();
        }
        byte[] headerBytes = padded(header.toString().getBytes(StandardCharsets.UTF_8));
        long total = 8 + headerBytes.length + offset;
        try (AtomicFile target = AtomicFile.create(file, total)) {
            try (FileChannel ch = FileChannel.open(target.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofShared()) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                out.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, headerBytes.length);
                MemorySegment.copy(MemorySegment.ofArray(headerBytes), 0, out, 8, headerBytes.length);
                long dataStart = 8 + headerBytes.length;
                List<Runnable> fills = new ArrayList<>();
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    MemorySegment slice = out.asSlice(dataStart + begin[i], e.bytes());
                    fills.add(() -> e.fill().accept(slice, e));
                }
                runner.accept(fills, file.getFileName().toString());
                out.force();
            }
            target.commit();
        } catch (IOException e) {
            throw AtomicFile.cannotWrite(file, e);
        }
    }

    /** Pads the header with spaces so the data section starts 8-byte aligned. */
    private static byte[] padded(byte[] header) {
        int pad = (8 - (header.length % 8)) % 8;
        byte[] out = new byte[header.length + pad];
        System.arraycopy(header, 0, out, 0, header.length);
        for (int i = header.length; i < out.length; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
