package dev.llada2.weights;

import dev.llada2.arch.LLaDA2Architecture;
import dev.llada2.arch.TensorRole;
import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.llada2.arch.LLaDA2TensorNames.*;

/**
 * Binds checkpoint tensors to the architecture by name ({@link LLaDA2Architecture#tensors}),
 * checking every shape against the config. Fails with the full {@link BindReport} when a tensor is
 * missing, mis-shaped or of a dtype the engine cannot compute with.
 */
public final class WeightBinder {

    private WeightBinder() {
    }

    public record Result(LLaDA2Weights weights, BindReport report) {
    }

    public static Result bind(LLaDA2Config config, Checkpoint checkpoint) {
        List<TensorSpec> specs = LLaDA2Architecture.tensors(config);
        Map<String, TensorInfo> found = checkpoint.tensors();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> badDtype = new ArrayList<>();
        Set<String> expected = new LinkedHashSet<>();
        for (TensorSpec s : specs) {
            expected.add(s.name());
            TensorInfo t = found.get(s.name());
            if (t == null) {
                if (s.required()) {
                    missing.add(s.name() + " " + s.shapeString()
                            + checkpoint.nativeName(s.name()).map(n -> " (" + n + ")").orElse("") + hint(s));
                }
                continue;
            }
            if (!Arrays.equals(t.shape(), s.shape())) {
                mismatched.add(s.name() + ": expected " + s.shapeString() + " from " + checkpoint.configSource()
                        + ", found " + t.shapeString() + " in " + checkpoint.locate(t));
            }
            if (!t.dtype().isComputable()) {
                badDtype.add(s.name() + ": " + t.dtype() + " in " + checkpoint.locate(t)
                        + " (expected BF16, F16, F32, Q8_0, Q4_K or Q6_K)");
            }
        }
        List<String> unexpected = found.keySet().stream().filter(n -> !expected.contains(n)).sorted().toList();
        BindReport report = new BindReport(missing, mismatched, badDtype, unexpected);
        if (!report.ok()) {
            throw LladaException.input(checkpoint.dir() + ": the checkpoint does not match "
                    + checkpoint.configSource() + " (" + config.summary() + "):\n" + report.describe(10));
        }
        return new Result(new Assembler(config, found).assemble(), report);
    }

    private static String hint(TensorSpec s) {
        if (s.role() == TensorRole.ATTENTION_OUT_BIAS) {
            return " (config.json has use_bias true, the official default; set \"use_bias\": false if the model has"
                    + " no output-projection bias)";
        }
        if (s.role() == TensorRole.QKV_BIAS) {
            return " (config.json has use_qkv_bias true)";
        }
        if (s.role() == TensorRole.QUERY_NORM || s.role() == TensorRole.KEY_NORM) {
            return " (use_qk_norm is true, the official default)";
        }
        return "";
    }

    /** Builds the typed records once the names are known to be complete and well-shaped. */
    private record Assembler(LLaDA2Config c, Map<String, TensorInfo> t) {

        LLaDA2Weights assemble() {
            List<LayerWeights> layers = new ArrayList<>();
            for (int l = 0; l < c.numHiddenLayers(); l++) {
                AttentionWeights attention = new AttentionWeights(matrix(qkv(l)), optionalVector(qkvBias(l), c.useQkvBias()),
                        optionalVector(queryNorm(l), c.useQkNorm()), optionalVector(keyNorm(l), c.useQkNorm()),
                        matrix(attentionOut(l)), optionalVector(attentionOutBias(l), c.useBias()));
                FeedForwardWeights ffn;
                if (c.isMoeLayer(l)) {
                    List<MlpWeights> experts = new ArrayList<>(c.numExperts());
                    for (int e = 0; e < c.numExperts(); e++) {
                        experts.add(mlp(expert(l, e)));
                    }
                    float[] bias = t.containsKey(expertBias(l)) ? vector(expertBias(l)) : new float[c.numExperts()];
                    ffn = new MoeWeights(matrix(router(l)), bias, experts,
                            c.numSharedExperts() > 0 ? Optional.of(mlp(sharedExpert(l))) : Optional.empty());
                } else {
                    ffn = new DenseMlp(mlp(denseMlp(l)));
                }
                layers.add(new LayerWeights(l, vector(inputNorm(l)), attention, vector(postNorm(l)), ffn));
            }
            Matrix embeddings = matrix(EMBEDDINGS);
            Matrix head = c.tieWordEmbeddings() ? embeddings : matrix(LM_HEAD);
            return new LLaDA2Weights(c, embeddings, layers, vector(FINAL_NORM), head);
        }

        private MlpWeights mlp(String prefix) {
            return new MlpWeights(prefix, matrix(gateProj(prefix)), matrix(upProj(prefix)), matrix(downProj(prefix)));
        }

        private Matrix matrix(String name) {
            TensorInfo i = t.get(name);
            return new Matrix(name, (int) i.shape()[0], (int) i.shape()[1], i.dtype(), i.data());
        }

        private Optional<float[]> optionalVector(String name, boolean present) {
            return present ? Optional.of(vector(name)) : Optional.empty();
        }

        private float[] vector(String name) {
            TensorInfo i = t.get(name);
            return TensorReader.toFloats(i.dtype(), i.data(), (int) i.elementCount());
        }
    }
}
