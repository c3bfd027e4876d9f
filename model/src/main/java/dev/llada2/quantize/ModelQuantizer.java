package dev.llada2.quantize;

import dev.llada2.arch.LLaDA2Architecture;
import dev.llada2.arch.TensorRole;
import dev.llada2.arch.TensorSpec;
import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.checkpoint.gguf.GgmlType;
import dev.llada2.checkpoint.gguf.GgufWriter;
import dev.llada2.checkpoint.gguf.LLaDA2GgufConfig;
import dev.llada2.checkpoint.gguf.LLaDA2GgufNames;
import dev.llada2.checkpoint.quant.BlockQuantizer;
import dev.llada2.checkpoint.quant.QuantMix;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.weights.LoadedModel;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Writes a loaded model as a llama.cpp GGUF file in one of the {@link QuantScheme}s: llama.cpp's
 * tensor names and {@code llada2.*} metadata, routed experts merged into one 3-D tensor per layer and
 * projection, the weight types {@link QuantMix} chooses. Any source the engine reads works (BF16
 * safetensors, or a GGUF of any supported type, which is decoded first): rows are widened to fp32 by
 * the CPU decoders and re-encoded, in parallel over row chunks; a tensor already in its target type
 * is copied byte for byte.
 */
public final class ModelQuantizer {

    /** Progress: the GGUF tensor being written and the bytes of output done of the total. */
    @FunctionalInterface
    public interface Progress {
        void update(String tensor, long doneBytes, long totalBytes);
    }

    /** What was written: size by type, and the matrices that fell back to another type (with why). */
    public record Report(Path file, long bytes, Map<DType, Long> bytesByType, List<String> fallbacks) {
    }

    /** Rows per parallel task aim for this many elements. */
    private static final int CHUNK_ELEMENTS = 1 << 16;

    private ModelQuantizer() {
    }

    /**
     * Writes {@code model} to {@code out}; {@code metadata} adds the general and tokenizer keys (it is
     * called with the writer after {@code general.architecture} and before the {@code llada2.*} keys).
     */
    public static Report write(LoadedModel model, QuantScheme scheme, Consumer<GgufWriter> metadata, Path out,
                               Progress progress) {
        LLaDA2Config c = model.config();
        Map<String, TensorInfo> source = model.checkpoint().tensors();
        List<GgufWriter.Tensor> tensors = new ArrayList<>();
        List<String> fallbacks = new ArrayList<>();
        Map<DType, Long> byType = new EnumMap<>(DType.class);
        AtomicLong done = new AtomicLong();
        long[] total = {0};
        List<Runnable> plan = new ArrayList<>();
        for (TensorSpec spec : LLaDA2Architecture.tensors(c)) {
            if (!source.containsKey(spec.name()) || (spec.role() == TensorRole.ROUTED_EXPERT && spec.expert() > 0)) {
                continue;
            }
            QuantMix.Choice choice = QuantMix.choose(scheme, spec, c);
            boolean merged = spec.role() == TensorRole.ROUTED_EXPERT;
            String name = LLaDA2GgufNames.ggufName(spec.name()).orElseThrow();
            choice.fallback().ifPresent(f -> fallbacks.add(name + ": " + f));
            List<TensorInfo> parts = new ArrayList<>();
            if (merged) {
                LLaDA2GgufNames.Experts experts = LLaDA2GgufNames.expertsHolding(spec.name()).orElseThrow();
                for (int e = 0; e < c.numExperts(); e++) {
                    parts.add(source.get(experts.expertName(e)));
                }
            } else {
                parts.add(source.get(spec.name()));
            }
            long[] shape = spec.shape();
            long[] ne = merged ? new long[] {shape[1], shape[0], c.numExperts()} : reversed(shape);
            DType type = choice.type();
            GgufWriter.Tensor t = new GgufWriter.Tensor(name, GgmlType.of(type), ne,
                    dst -> fill(name, parts, type, dst, done, total[0], progress));
            tensors.add(t);
            total[0] += t.bytes();
            byType.merge(type, t.bytes(), Long::sum);
        }
        GgufWriter w = new GgufWriter();
        w.string("general.architecture", LLaDA2GgufNames.ARCHITECTURE);
        metadata.accept(w);
        w.u32("general.file_type", scheme.fileType());
        w.u32("general.quantization_version", 2);
        LLaDA2GgufConfig.write(c, w);
        w.write(out, tensors);
        return new Report(out, total[0], byType, fallbacks);
    }

    private static long[] reversed(long[] shape) {
        long[] ne = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            ne[i] = shape[shape.length - 1 - i];
        }
        return ne;
    }

    /** Fills {@code dst} with the parts (one, or one per expert) one after another, each re-encoded. */
    private static void fill(String name, List<TensorInfo> parts, DType type, MemorySegment dst, AtomicLong done,
                             long total, Progress progress) {
        long slab = dst.byteSize() / parts.size();
        for (int p = 0; p < parts.size(); p++) {
            TensorInfo src = parts.get(p);
            MemorySegment out = dst.asSlice(p * slab, slab);
            try {
                encode(src, type, out);
            } catch (IllegalArgumentException e) {
                throw LladaException.input(src.file() + ": tensor " + src.name() + " cannot be written as " + type
                        + ": " + e.getMessage());
            }
            progress.update(name, done.addAndGet(slab), total);
        }
    }

    private static void encode(TensorInfo src, DType type, MemorySegment out) {
        if (src.dtype() == type) {
            MemorySegment.copy(src.data(), 0, out, 0, out.byteSize());
            return;
        }
        int cols = (int) src.shape()[src.shape().length - 1];
        int rows = (int) (src.elementCount() / cols);
        int chunkRows = Math.max(1, CHUNK_ELEMENTS / cols);
        int chunks = (rows + chunkRows - 1) / chunkRows;
        CpuWeightFormat from = CpuWeightFormat.of(src.dtype());
        long rowBytes = type.bytesFor(cols);
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            int r0 = chunk * chunkRows;
            int n = Math.min(chunkRows, rows - r0);
            float[] x = new float[n * cols];
            from.decode(src.data(), (long) r0 * cols, n * cols, x, 0);
            MemorySegment dst = out.asSlice(r0 * rowBytes, n * rowBytes);
            switch (type) {
                case F32 -> MemorySegment.copy(x, 0, dst, TensorReader.FLOAT_LE, 0, x.length);
                case F16 -> {
                    for (int i = 0; i < x.length; i++) {
                        dst.set(TensorReader.SHORT_LE, 2L * i, Float.floatToFloat16(x[i]));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < x.length; i++) {
                        dst.set(TensorReader.SHORT_LE, 2L * i, toBf16(x[i]));
                    }
                }
                default -> BlockQuantizer.of(type).quantize(x, 0, x.length, dst, 0);
            }
        });
    }

    /** fp32 to bf16, rounding to nearest even (NaN stays NaN). */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
