package dev.llada2.profiles;

/**
 * One stage of a pipeline split ({@code placement.layers[i]}): a device and how many of the model's
 * layers it is the home of. Counts and fractions are resolved against the model's
 * {@code num_hidden_layers} by the planner, in list order, so one profile fits any model.
 *
 * @param device   device id
 * @param amount   how many layers
 * @param jsonPath where this entry was written
 */
public record LayerShare(String device, Amount amount, String jsonPath) {

    /** How many layers a stage takes. */
    public sealed interface Amount {
    }

    /** Exactly {@code layers} layers ({@code "count": n}). */
    public record Count(int layers) implements Amount {
        public Count {
            if (layers < 1) {
                throw new IllegalArgumentException("count: expected an integer >= 1, found " + layers);
            }
        }
    }

    /**
     * A share of {@code num_hidden_layers} ({@code "fraction": f}); stage boundaries are the cumulative
     * shares rounded to the nearest layer, so the stages cover every layer exactly once.
     */
    public record Fraction(double of) implements Amount {
        public Fraction {
            if (!(of > 0 && of <= 1)) {
                throw new IllegalArgumentException("fraction: expected a number in (0, 1], found " + of);
            }
        }
    }

    /** The layers {@code "range": "a-b"} (absolute indexes). */
    public record Range(IndexRange layers) implements Amount {
    }

    /** Whatever the earlier stages left ({@code "rest": true}); only the last stage. */
    public record Rest() implements Amount {
    }
}
