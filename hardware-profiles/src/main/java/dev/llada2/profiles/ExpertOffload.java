package dev.llada2.profiles;

/**
 * Moves all routed experts of chosen MoE layers to one device ({@code placement.expert_offload}),
 * the usual way to fit a MoE model on a small GPU: attention and shared experts stay on the GPU,
 * the big, sparsely used routed experts go to host memory.
 *
 * @param device   device id receiving the experts
 * @param layers   which MoE layers
 * @param jsonPath where the object was written
 */
public record ExpertOffload(String device, Layers layers, String jsonPath) {

    /** Which MoE layers are offloaded. */
    public sealed interface Layers {
    }

    /** The first {@code n} MoE layers ({@code "first_moe_layers": n}). */
    public record FirstMoeLayers(int n) implements Layers {
        public FirstMoeLayers {
            if (n < 1) {
                throw new IllegalArgumentException("first_moe_layers: expected an integer >= 1, found " + n);
            }
        }
    }

    /** The layers {@code "layers": "a-b"} (absolute indexes; every one must be a MoE layer). */
    public record Range(IndexRange layers) implements Layers {
    }

    /** The first {@code round(f x number of MoE layers)} MoE layers ({@code "fraction": f}). */
    public record Fraction(double of) implements Layers {
        public Fraction {
            if (!(of > 0 && of <= 1)) {
                throw new IllegalArgumentException("fraction: expected a number in (0, 1], found " + of);
            }
        }
    }
}
