package dev.llada2.runtime;

import dev.llada2.errors.LladaException;
import dev.llada2.trace.TraceSink;

/**
 * Catches a forward whose head produced NaN or infinite values (weights holding NaN/Inf, an overflow)
 * before the decoder turns them into token -1 or a nonsense answer, and finds where they first
 * appeared. Works on any engine: it looks at the {@link ForwardResult} only (a greedy head's
 * confidence is a softmax over every logit of the row, so one NaN or +Inf logit makes it non-finite),
 * and locates the origin by re-running the forward with a {@link TraceSink} that tests each layer's
 * output as the engine produces it.
 */
public final class NonFiniteCheck {

    private NonFiniteCheck() {
    }

    /** The first requested row whose head result is not finite, or -1. */
    public static int firstBadRow(ForwardResult r) {
        if (r.confidence() != null) {
            for (int i = 0; i < r.confidence().length; i++) {
                if (!Float.isFinite(r.confidence()[i]) || r.argmax()[i] < 0) {
                    return i;
                }
            }
        }
        if (r.logits() != null) {
            for (int i = 0; i < r.logits().length; i++) {
                if (firstNonFinite(r.logits()[i], r.logits()[i].length) >= 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * The error for non-finite logits at sequence position {@code position}, after re-running the
     * forward over {@code tokens} (from position 0, without the cache) to name the tensor where they
     * appeared. The engine's cache is dropped.
     */
    public static LladaException failure(Engine engine, int[] tokens, AttentionMask mask, int position) {
        engine.resetCache();
        Origin origin = new Origin();
        engine.forward(new ForwardRequest(tokens, 0, mask, false, HeadRequest.none(), origin));
        engine.resetCache();
        return failure(origin.found, position);
    }

    /** The error for non-finite logits at {@code position}, given where a traced forward first saw them (or null). */
    public static LladaException failure(String origin, int position) {
        String where = origin != null ? "they first appear in " + origin
                : "every layer's output is finite, so they come from the final norm or the LM head (model.norm, lm_head)";
        return LladaException.runtime("the model produced non-finite logits (NaN or Inf) at position " + position
                + "; " + where + ". Weights holding NaN/Inf are found by `llada2 info --model M --check`");
    }

    /** A sink that remembers the first traced tensor holding a NaN or an infinity, in the order the forward computes them. */
    public static final class Origin implements TraceSink {
        private String found;

        /** Where the first non-finite value appeared, e.g. "layer 1's attention output (attn_out, token 3)", or null. */
        public String found() {
            return found;
        }

        @Override
        public boolean enabled() {
            return found == null;
        }

        @Override
        public void floats(String name, float[] data, int... shape) {
            int i = found == null ? firstNonFinite(data, data.length) : -1;
            if (i >= 0) {
                int cols = shape.length > 1 ? shape[shape.length - 1] : data.length;
                found = describe(name) + " (" + name + ", token " + i / cols + ")";
            }
        }

        @Override
        public void ints(String name, int[] data, int... shape) {
        }

        @Override
        public void layer(String kind, int layer, float[] data, int rows, int cols) {
            int i = found == null ? firstNonFinite(data, rows * cols) : -1;
            if (i >= 0) {
                String part = switch (kind) {
                    case "attn_out" -> "attention output";
                    case "mlp_out" -> "MLP/MoE output";
                    default -> "output";
                };
                found = "layer " + layer + "'s " + part + " (" + kind + ", token " + i / cols + ")";
            }
        }

        private static String describe(String name) {
            if (name.equals("embeddings")) {
                return "the embeddings (model.word_embeddings)";
            }
            if (name.equals("final_hidden")) {
                return "the final norm (model.norm)";
            }
            if (name.startsWith("router.layer")) {
                return "layer " + name.substring("router.layer".length(), name.indexOf('.', 7)) + "'s router";
            }
            return name;
        }
    }

    private static int firstNonFinite(float[] data, int n) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(data[i])) {
                return i;
            }
        }
        return -1;
    }
}
