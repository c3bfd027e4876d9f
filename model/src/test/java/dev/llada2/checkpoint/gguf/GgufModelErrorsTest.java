package dev.llada2.checkpoint.gguf;

import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.errors.LladaException;
import dev.llada2.testing.GgufModels;
import dev.llada2.testing.SharedData;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Well-formed GGUF files that are not a usable LLaDA2 model: the tiny golden model in Q8_0, rewritten
 * with one key or tensor changed. Each is an input error naming the key or tensor.
 */
class GgufModelErrorsTest {

    @TempDir
    static Path tmp;
    private static Path good;

    @BeforeAll
    static void quantize() {
        good = GgufModels.quantize(SharedData.model("tiny"), QuantScheme.Q8_0, tmp.resolve("tiny-q8_0.gguf"));
    }

    @Test
    void theUnchangedRewriteLoads() {
        try (LoadedModel m = LoadedModel.open(rewrite("same.gguf", meta -> { }, tensors -> { }))) {
            assertEquals(3, m.config().numHiddenLayers());
        }
    }

    @Test
    void anotherArchitecture() {
        assertError(rewrite("llama.gguf", m -> m.put("general.architecture", entry(GgufValueType.STRING, "llama")),
                t -> { }), "general.architecture", "the model is \"llama\"", "llada2");
    }

    @Test
    void aMissingRequiredKey() {
        assertError(rewrite("nolayers.gguf", m -> m.remove("llada2.block_count"), t -> { }),
                "missing required metadata key llada2.block_count");
        assertError(rewrite("noarch.gguf", m -> m.remove("general.architecture"), t -> { }),
                "missing required metadata key general.architecture");
    }

    @Test
    void aKeyOfTheWrongType() {
        assertError(rewrite("typed.gguf", m -> m.put("llada2.block_count", entry(GgufValueType.STRING, "3")), t -> { }),
                "metadata key llada2.block_count", "expected an integer, found STRING \"3\"");
    }

    @Test
    void aMissingTensor() {
        assertError(rewrite("norouter.gguf", m -> { }, t -> t.remove("blk.1.ffn_gate_inp.weight")),
                "missing tensors", "model.layers.1.mlp.gate.weight [16, 64] (blk.1.ffn_gate_inp.weight)");
    }

    @Test
    void aShapeThatDisagreesWithTheMetadata() {
        assertError(rewrite("wide.gguf", m -> m.put("llada2.expert_feed_forward_length", entry(GgufValueType.UINT32, 64L)),
                        t -> { }), "shape mismatches",
                "model.layers.1.mlp.experts.0.gate_proj.weight: expected [64, 64] from the llada2.* metadata, found"
                        + " [32, 64] in blk.1.ffn_gate_exps.weight in wide.gguf");
    }

    @Test
    void expertsThatAreNotThreeDimensional() {
        assertError(rewrite("flat.gguf", m -> { }, t -> {
            Src s = t.get("blk.1.ffn_up_exps.weight");
            t.put(s.name, new Src(s.name, s.type, new long[] {s.ne[0], s.ne[1] * s.ne[2]}, s.data));
        }), "tensor blk.1.ffn_up_exps.weight", "must have 3 dimensions");
    }

    @Test
    void aTensorTypeTheEngineDoesNotCompute() {
        assertError(rewrite("q5k.gguf", m -> { }, t -> {
            Src s = t.get("blk.0.attn_output.weight");
            // 64 x 64 as Q5_0 (blocks of 32, 22 bytes): a valid layout of a type the engine has no kernel for
            t.put(s.name, new Src(s.name, GgmlType.Q5_0, s.ne, MemorySegment.ofArray(new byte[64 / 32 * 22 * 64])));
        }), "tensor blk.0.attn_output.weight is Q5_0", "does not compute with", "Q8_0, Q4_K, Q6_K");
    }

    private record Src(String name, GgmlType type, long[] ne, MemorySegment data) {
    }

    private record Entry(GgufValueType type, Object value) {
    }

    private static Entry entry(GgufValueType type, Object value) {
        return new Entry(type, value);
    }

    /** The good file with its metadata and tensors edited, written with {@link GgufWriter}. */
    private static Path rewrite(String name, Consumer<Map<String, Entry>> meta, Consumer<Map<String, Src>> tensors) {
        Path out = tmp.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(good, arena);
            Map<String, Entry> m = new LinkedHashMap<>();
            f.metadata().values().forEach((k, v) -> m.put(k, new Entry(f.metadata().type(k).orElseThrow(), v)));
            meta.accept(m);
            Map<String, Src> t = new LinkedHashMap<>();
            f.tensors().values().forEach(x -> t.put(x.name(), new Src(x.name(), x.type(), x.ne(), x.data())));
            tensors.accept(t);
            GgufWriter w = new GgufWriter();
            m.forEach((k, e) -> w.put(k, e.type(), e.value()));
            List<GgufWriter.Tensor> list = new ArrayList<>();
            t.values().forEach(s -> list.add(new GgufWriter.Tensor(s.name(), s.type(), s.ne(),
                    dst -> MemorySegment.copy(s.data(), 0, dst, 0, dst.byteSize()))));
            w.write(out, list);
        }
        return out;
    }

    private static void assertError(Path file, String... parts) {
        LladaException e = assertThrows(LladaException.class, () -> LoadedModel.open(file).close());
        assertEquals(LladaException.Kind.INPUT, e.kind(), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }
}
