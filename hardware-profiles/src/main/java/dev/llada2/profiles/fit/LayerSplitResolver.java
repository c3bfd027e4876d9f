package dev.llada2.profiles.fit;

import dev.llada2.errors.LladaException;
import dev.llada2.profiles.IndexRange;
import dev.llada2.profiles.LayerShare;
import dev.llada2.profiles.PlacementSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolves {@code placement.layers} against a model's layer count.
 *
 * <p>Count, fraction and rest entries are stages in list order starting at layer 0. Each stage
 * ends at the cumulative share rounded to the nearest layer ({@code round(sum of counts +
 * sum of fractions x N)}, halves up), so consecutive stages meet exactly and, when the shares add up
 * to N, every layer is covered once: fractions 0.5/0.5 split 3 layers as 0-1 | 2. Range entries
 * name absolute layers and must cover 0..N-1 exactly.
 */
final class LayerSplitResolver {

    private LayerSplitResolver() {
    }

    /**
     * @param source   the profile's source, for messages
     * @param config   what the model is, for messages
     * @return the device id of each layer's home
     */
    static List<String> resolve(List<LayerShare> shares, int layers, String source, String config) {
        String[] device = new String[layers];
        boolean ranges = shares.getFirst().amount() instanceof LayerShare.Range;
        if (ranges) {
            for (LayerShare s : shares) {
                IndexRange r = ((LayerShare.Range) s.amount()).layers();
                if (r.last() >= layers) {
                    throw fail(source, s.jsonPath() + ".range", "layers " + r + " go past the last layer ("
                            + (layers - 1) + ") of " + config);
                }
                for (int l = r.first(); l <= r.last(); l++) {
                    device[l] = s.device();
                }
            }
        } else {
            double exact = 0;
            int start = 0;
            for (int i = 0; i < shares.size(); i++) {
                LayerShare s = shares.get(i);
                exact += switch (s.amount()) {
                    case LayerShare.Count(int n) -> n;
                    case LayerShare.Fraction(double f) -> f * layers;
                    case LayerShare.Rest() -> layers - exact;
                    case LayerShare.Range r -> throw new IllegalStateException("checked by PlacementSpec");
                };
                boolean last = i == shares.size() - 1;
                // fractions written with a few decimals (0.333 x 3) still end the last stage at N
                int end = last && Math.abs(exact - layers) <= PlacementSpec.FRACTION_TOLERANCE * layers
                        ? layers : (int) Math.round(exact + 1e-9);
                if (end > layers) {
                    throw fail(source, s.jsonPath(), "the stages up to here take " + end + " layers but " + config
                            + " has " + layers);
                }
                for (int l = start; l < end; l++) {
                    device[l] = s.device();
                }
                start = Math.max(start, end);
            }
        }
        List<IndexRange> missing = missing(device);
        if (!missing.isEmpty()) {
            String path = shares.getFirst().jsonPath();
            throw fail(source, path.substring(0, path.lastIndexOf('[')), "layers " + missing.stream()
                    .map(IndexRange::toString).toList() + " of " + config + " are not placed by any entry (the"
                    + " model has " + layers + " layers: " + (ranges ? "ranges must cover 0-" + (layers - 1)
                    : "end the list with {\"device\": ..., \"rest\": true}") + ")");
        }
        return List.of(device);
    }

    private static List<IndexRange> missing(String[] device) {
        List<IndexRange> out = new ArrayList<>();
        for (int l = 0; l < device.length; l++) {
            if (device[l] == null) {
                int a = l;
                while (l + 1 < device.length && device[l + 1] == null) {
                    l++;
                }
                out.add(new IndexRange(a, l));
            }
        }
        return out;
    }

    private static LladaException fail(String source, String path, String message) {
        return LladaException.input(source + ": " + path + ": " + message);
    }
}
