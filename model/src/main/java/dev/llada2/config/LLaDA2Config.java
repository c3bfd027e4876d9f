package dev.llada2.config;

import dev.llada2.errors.LladaException;

import java.util.List;
import java.util.Optional;

/**
 * The validated, immutable configuration of a LLaDA2.0 model ({@code LLaDA2MoeModelLM}), read from
 * {@code config.json} by {@link ConfigLoader}. Field names follow the checkpoint's keys (spec §2).
 *
 * <p>Layer {@code l} is a MoE layer iff {@code numExperts > 0 && l >= firstKDenseReplace}, as the
 * official code decides; otherwise it has the dense SwiGLU MLP of width {@code intermediateSize}.
 * The shared expert has width {@code moeIntermediateSize * numSharedExperts} (none when 0).
 *
 * @param source where the config came from, for messages
 * @param torchDtype the checkpoint's declared weight type ({@code torch_dtype}, e.g. "bfloat16"); used
 *                   only to plan memory before any weight is read
 * @param notes  things a user should know about how the file was interpreted (ignored keys, defaults)
 */
public record LLaDA2Config(
        String source,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        float rmsNormEps,
        RopeConfig rope,
        int maxPositionEmbeddings,
        int numExperts,
        int numExpertsPerTok,
        int numSharedExperts,
        int nGroup,
        int topkGroup,
        float routedScalingFactor,
        int moeIntermediateSize,
        int firstKDenseReplace,
        boolean useQkNorm,
        boolean useQkvBias,
        boolean useBias,
        boolean tieWordEmbeddings,
        boolean expertBiasEnabled,
        Optional<Integer> maskTokenId,
        Optional<Integer> eosTokenId,
        Optional<Integer> padTokenId,
        String torchDtype,
        List<String> notes) {

    public LLaDA2Config {
        notes = List.copyOf(notes);
        require(vocabSize > 0, "vocab_size must be > 0, found " + vocabSize, source);
        require(hiddenSize > 0, "hidden_size must be > 0, found " + hiddenSize, source);
        require(numHiddenLayers > 0, "num_hidden_layers must be > 0, found " + numHiddenLayers, source);
        require(numAttentionHeads > 0, "num_attention_heads must be > 0, found " + numAttentionHeads, source);
        require(numKeyValueHeads > 0, "num_key_value_heads must be > 0, found " + numKeyValueHeads, source);
        require(numAttentionHeads % numKeyValueHeads == 0, "num_attention_heads (" + numAttentionHeads
                + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")", source);
        require(headDim > 0, "head_dim must be > 0, found " + headDim, source);
        require(rope.rotaryDim() <= headDim, "the rotary width (" + rope.rotaryDim()
                + ") cannot exceed head_dim (" + headDim + ")", source);
        require(rmsNormEps > 0, "rms_norm_eps must be > 0, found " + rmsNormEps, source);
        require(firstKDenseReplace >= 0, "first_k_dense_replace must be >= 0, found " + firstKDenseReplace, source);
        boolean anyDense = numExperts == 0 || firstKDenseReplace > 0;
        require(!anyDense || intermediateSize > 0, "intermediate_size must be > 0 because layers "
                + (numExperts == 0 ? "0.." + (numHiddenLayers - 1) : "0.." + (Math.min(firstKDenseReplace, numHiddenLayers) - 1))
                + " are dense, found " + intermediateSize, source);
        if (numExperts > 0 && firstKDenseReplace < numHiddenLayers) {
            require(moeIntermediateSize > 0, "moe_intermediate_size must be > 0 for MoE layers, found "
                    + moeIntermediateSize, source);
            require(numExpertsPerTok > 0 && numExpertsPerTok <= numExperts, "num_experts_per_tok must be in 1.."
                    + numExperts + ", found " + numExpertsPerTok, source);
            require(nGroup > 0 && numExperts % nGroup == 0, "num_experts (" + numExperts
                    + ") must be a positive multiple of n_group (" + nGroup + ")", source);
            // The official router takes the top-2 scores of every group to score it.
            require(numExperts / nGroup >= 2, "each expert group needs at least 2 experts (num_experts / n_group = "
                    + numExperts / nGroup + "): the official router scores a group by its two best experts", source);
            require(topkGroup > 0 && topkGroup <= nGroup, "topk_group must be in 1.." + nGroup + ", found "
                    + topkGroup, source);
            require(numExpertsPerTok <= topkGroup * (numExperts / nGroup), "num_experts_per_tok ("
                    + numExpertsPerTok + ") exceeds the experts in the topk_group selected groups ("
                    + topkGroup * (numExperts / nGroup) + ")", source);
            require(numSharedExperts >= 0, "num_shared_experts must be >= 0, found " + numSharedExperts, source);
        }
        maskTokenId.ifPresent(id -> require(id >= 0 && id < vocabSize, "mask_token_id " + id
                + " is outside the vocabulary 0.." + (vocabSize - 1), source));
        eosTokenId.ifPresent(id -> require(id >= 0 && id < vocabSize, "eos_token_id " + id
                + " is outside the vocabulary 0.." + (vocabSize - 1), source));
    }

    private static void require(boolean ok, String message, String source) {
        if (!ok) {
            throw LladaException.input(source + ": " + message);
        }
    }

    public boolean isMoeLayer(int layer) {
        return numExperts > 0 && layer >= firstKDenseReplace;
    }

    public int numMoeLayers() {
        int n = 0;
        for (int l = 0; l < numHiddenLayers; l++) {
            if (isMoeLayer(l)) {
                n++;
            }
        }
        return n;
    }

    /** Width of the query projection: heads x head_dim. */
    public int queryDim() {
        return numAttentionHeads * headDim;
    }

    /** Width of the key (and of the value) projection: kv heads x head_dim. */
    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    /** Rows of the fused {@code query_key_value} weight: (heads + 2 kv heads) x head_dim. */
    public int qkvRows() {
        return queryDim() + 2 * kvDim();
    }

    /** Width of the shared expert MLP; 0 when the model has none. */
    public int sharedIntermediateSize() {
        return moeIntermediateSize * numSharedExperts;
    }

    public int expertsPerGroup() {
        return numExperts / nGroup;
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKvHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** One line that names the shape, for logs and {@code info}. */
    public String summary() {
        return String.format("LLaDA2MoeModelLM: %d layers (%d dense, %d MoE), hidden %d, heads %d/%d x %d, "
                        + "experts %d (top-%d, %d shared, %d groups/top-%d), expert FFN %d, dense FFN %d, vocab %d, %s",
                numHiddenLayers, numHiddenLayers - numMoeLayers(), numMoeLayers(), hiddenSize, numAttentionHeads,
                numKeyValueHeads, headDim, numExperts, numExpertsPerTok, numSharedExperts, nGroup, topkGroup,
                moeIntermediateSize, intermediateSize, vocabSize, rope);
    }
}
