package dev.llada2.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped read-only with the FFM API: the weights are never
 * copied into the Java heap, so checkpoints far larger than the heap open in milliseconds.
 *
 * <p>Layout: an unsigned little-endian 64-bit header length N, N bytes of UTF-8 JSON mapping each
 * tensor name to {@code {dtype, shape, data_offsets: [begin, end]}} (offsets relative to the data
 * section that follows the header), an optional {@code __metadata__} string map, then the data.
 * The header is validated strictly: well-formed JSON without duplicate keys, known dtypes,
 * non-negative shapes, offsets inside the data section, byte length = elements x dtype size, and no
 * two tensors overlapping. Every error names the file and the tensor.
 */
public final class SafetensorsFile {

    /** The reference implementation refuses headers above 100 MB; so do we (a corrupt length is far larger). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path file;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public Path file() {
        return file;
    }

    /** Tensors in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Maps {@code file} into {@code arena} (the mapping lives as long as the arena) and validates its header. */
    public static SafetensorsFile open(Path file, Arena arena) {
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw fail(file, "truncated: the file has " + size
                        + " bytes, but a safetensors file starts with an 8-byte header length");
            }
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw fail(file, "file not found");
        } catch (IOException e) {
            throw fail(file, "cannot map: " + IoErrors.reason(file, e));
        }
        long size = all.byteSize();
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw fail(file, "header length " + Long.toUnsignedString(headerLen)
                    + " is not plausible (at most " + MAX_HEADER_BYTES + " bytes); the file is not safetensors or is corrupt");
        }
        if (8 + headerLen > size) {
            throw fail(file, "header length " + headerLen + " reaches beyond the end of the file ("
                    + size + " bytes): the file is truncated");
        }
        String headerText = decodeUtf8(file, all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE));
        JsonNode header;
        try {
            header = JSON.readTree(headerText);
        } catch (JsonProcessingException e) {
            throw fail(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw fail(file, "header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}");
        }
        long dataStart = 8 + headerLen;
        MemorySegment data = all.asSlice(dataStart);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        List<String> rangeNames = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                readMetadata(file, e.getValue(), metadata);
                continue;
            }
            TensorInfo t = readEntry(file, name, e.getValue(), data, dataStart);
            tensors.put(name, t);
            ranges.add(new long[] {t.fileOffset() - dataStart, t.fileOffset() - dataStart + t.byteSize()});
            rangeNames.add(name);
        }
        checkOverlaps(file, ranges, rangeNames);
        return new SafetensorsFile(file, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo readEntry(Path file, String name, JsonNode entry, MemorySegment data, long dataStart) {
        if (!entry.isObject()) {
            throw fail(file, "tensor " + name + ": entry must be an object {dtype, shape, data_offsets}, found " + entry);
        }
        JsonNode dtypeNode = entry.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw fail(file, "tensor " + name + ": missing or non-string \"dtype\"");
        }
        DType dtype = DType.parse(dtypeNode.asText()).orElseThrow(() -> fail(file, "tensor " + name
                + ": unknown dtype \"" + dtypeNode.asText() + "\" (expected one of BF16, F16, F32, I32, I64, ...)"));
        JsonNode shapeNode = entry.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw fail(file, "tensor " + name + ": missing or non-array \"shape\"");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0) {
                throw fail(file, "tensor " + name + ": shape " + shapeNode + " must hold non-negative integers");
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException overflow) {
                throw fail(file, "tensor " + name + ": shape " + shapeNode + " is too large");
            }
        }
        JsonNode offsets = entry.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw fail(file, "tensor " + name + ": \"data_offsets\" must be [begin, end], found " + offsets);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        long dataSize = data.byteSize();
        if (begin < 0 || end < begin) {
            throw fail(file, "tensor " + name + ": data_offsets [" + begin + ", " + end + "] are not an increasing range");
        }
        if (end > dataSize) {
            throw fail(file, "tensor " + name + ": data_offsets [" + begin + ", " + end
                    + "] lie outside the data section (" + dataSize + " bytes): the file is truncated or the header is wrong");
        }
        long expected = elements * dtype.bytes();
        if (end - begin != expected) {
            throw fail(file, "tensor " + name + ": " + dtype + " " + shapeNode + " needs " + expected
                    + " bytes, but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, file, dataStart + begin, data.asSlice(begin, end - begin));
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw fail(file, "\"__metadata__\" must be an object of strings, found " + node);
        }
        node.fields().forEachRemaining(m -> {
            if (!m.getValue().isTextual()) {
                throw fail(file, "\"__metadata__\"." + m.getKey() + " must be a string, found " + m.getValue());
            }
            out.put(m.getKey(), m.getValue().asText());
        });
    }

    private static void checkOverlaps(Path file, List<long[]> ranges, List<String> names) {
        Integer[] order = new Integer[ranges.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> ranges.get(i)[0]));
        long reach = 0;
        int reachIndex = -1;
        for (int i : order) {
            long[] cur = ranges.get(i);
            if (cur[1] == cur[0]) {
                continue; // empty tensors occupy no bytes
            }
            if (reachIndex >= 0 && cur[0] < reach) {
                throw fail(file, "tensors " + names.get(reachIndex) + " " + Arrays.toString(ranges.get(reachIndex))
                        + " and " + names.get(i) + " " + Arrays.toString(cur) + " overlap in the data section");
            }
            if (cur[1] > reach) {
                reach = cur[1];
                reachIndex = i;
            }
        }
    }

    private static String decodeUtf8(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw fail(file, "header is not valid UTF-8");
        }
    }

    private static LladaException fail(Path file, String message) {
        return LladaException.input(file + ": " + message);
    }
}
