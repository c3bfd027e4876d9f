package dev.llada2.profiles.fit;

import dev.llada2.arch.TensorSpec;
import dev.llada2.runtime.Placement;

/**
 * The granularity at which the runtime places weights: the embedding table, a layer's home (its
 * norms, attention, router, expert bias and shared expert or dense MLP, plus its KV cache), one
 * routed expert of a layer, and the head (final norm + lm_head). Every checkpoint tensor belongs to
 * exactly one unit, and all tensors of a unit must be on one device.
 */
record PlacementUnit(Kind kind, int layer, int expert) {

    enum Kind { EMBEDDING, LAYER_HOME, EXPERT, HEAD }

    static PlacementUnit of(TensorSpec t) {
        return switch (t.role()) {
            case EMBEDDING -> new PlacementUnit(Kind.EMBEDDING, -1, -1);
            case FINAL_NORM, LM_HEAD -> new PlacementUnit(Kind.HEAD, -1, -1);
            case ROUTED_EXPERT -> new PlacementUnit(Kind.EXPERT, t.layer(), t.expert());
            default -> new PlacementUnit(Kind.LAYER_HOME, t.layer(), -1);
        };
    }

    /** The device {@code p} puts this unit on. */
    int device(Placement p) {
        return switch (kind) {
            case EMBEDDING -> p.embeddingDevice();
            case HEAD -> p.headDevice();
            case LAYER_HOME -> p.layerDevice()[layer];
            case EXPERT -> p.expertDevice()[layer][expert];
        };
    }

    /** How to write rules that move the unit whole, for messages. */
    String howToMoveWhole() {
        return switch (kind) {
            case EMBEDDING -> "match model.word_embeddings.weight";
            case HEAD -> "move both: a rule for \"model.norm.weight\" and one for \"lm_head.weight\"";
            case LAYER_HOME -> "match \"model.layers." + layer + ".*\" (it takes the layer's routed experts too; a later"
                    + " rule \"model.layers." + layer + ".mlp.experts.*\" can send them elsewhere)";
            case EXPERT -> "match \"model.layers." + layer + ".mlp.experts." + expert + ".*\"";
        };
    }

    /** What the unit is, for messages. */
    String describe() {
        return switch (kind) {
            case EMBEDDING -> "the embedding table";
            case HEAD -> "the head (model.norm.weight and lm_head.weight)";
            case LAYER_HOME -> "layer " + layer + "'s home (its norms, attention, router, expert bias and shared"
                    + " expert or dense MLP)";
            case EXPERT -> "routed expert " + expert + " of layer " + layer + " (its gate, up and down projections)";
        };
    }
}
