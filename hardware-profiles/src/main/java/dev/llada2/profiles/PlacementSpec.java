package dev.llada2.profiles;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A profile's {@code placement} object: the policy the planner resolves into a
 * {@link dev.llada2.runtime.Placement} for a given model. Resolution order: {@code home} (and
 * {@code embedding}, {@code head}), then {@code layers}, then {@code experts}, then
 * {@code expert_offload}, then {@code rules}; each step overrides the previous ones.
 *
 * <p>Checks that need no model are made here (the order and mix of layer entries, overlapping
 * ranges, fractions that cannot sum to 1); checks against a model's layer and expert counts are
 * the planner's.
 *
 * @param home          default device of everything (first device when empty)
 * @param embedding     device of the embedding table (home when empty)
 * @param head          device of the final norm and lm_head (home when empty)
 * @param layers        pipeline split of the layer homes (all on home when empty)
 * @param experts       expert parallelism
 * @param expertOffload routed experts of chosen MoE layers on one device
 * @param rules         tensor-name rules, applied last, in order
 */
public record PlacementSpec(Optional<String> home, Optional<String> embedding, Optional<String> head,
                            List<LayerShare> layers, Optional<ExpertSplit> experts,
                            Optional<ExpertOffload> expertOffload, List<PlacementRule> rules) {

    /** Tolerance for fractions written with a few decimals, e.g. three times 0.333. */
    public static final double FRACTION_TOLERANCE = 1e-3;

    public PlacementSpec {
        layers = List.copyOf(layers);
        rules = List.copyOf(rules);
        checkLayers(layers);
    }

    /** Everything on the first device. */
    public static PlacementSpec allOnFirstDevice() {
        return new PlacementSpec(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Optional.empty(),
                Optional.empty(), List.of());
    }

    private static void checkLayers(List<LayerShare> layers) {
        boolean anyRange = layers.stream().anyMatch(s -> s.amount() instanceof LayerShare.Range);
        double fractions = 0;
        boolean onlyFractions = !layers.isEmpty();
        for (int i = 0; i < layers.size(); i++) {
            LayerShare s = layers.get(i);
            if (anyRange && !(s.amount() instanceof LayerShare.Range)) {
                throw new IllegalArgumentException(s.jsonPath() + ": cannot mix \"range\" entries with count,"
                        + " fraction or rest entries; use ranges for every stage or none");
            }
            if (s.amount() instanceof LayerShare.Rest && i != layers.size() - 1) {
                throw new IllegalArgumentException(s.jsonPath() + ": \"rest\" is allowed on the last entry only,"
                        + " found it on entry " + i + " of " + layers.size());
            }
            if (s.amount() instanceof LayerShare.Fraction(double f)) {
                fractions += f;
            } else {
                onlyFractions = false;
            }
            if (s.amount() instanceof LayerShare.Range(IndexRange r)) {
                for (int j = 0; j < i; j++) {
                    IndexRange o = ((LayerShare.Range) layers.get(j).amount()).layers();
                    if (o.first() <= r.last() && r.first() <= o.last()) {
                        throw new IllegalArgumentException(s.jsonPath() + ".range: layers " + r + " overlap "
                                + layers.get(j).jsonPath() + " (layers " + o + ") at layer "
                                + Math.max(o.first(), r.first()));
                    }
                }
            }
        }
        if (fractions > 1 + FRACTION_TOLERANCE) {
            throw new IllegalArgumentException(layersPath(layers) + ": the fractions sum to " + round(fractions)
                    + ", expected at most 1");
        }
        if (onlyFractions && Math.abs(fractions - 1) > FRACTION_TOLERANCE) {
            throw new IllegalArgumentException(layersPath(layers) + ": the fractions sum to " + round(fractions)
                    + ", expected 1 (or end the list with {\"device\": ..., \"rest\": true})");
        }
    }

    private static String layersPath(List<LayerShare> layers) {
        String p = layers.getFirst().jsonPath();
        return p.substring(0, p.lastIndexOf('['));
    }

    private static String round(double v) {
        return String.valueOf(Math.round(v * 1e6) / 1e6);
    }

    /** Every device id the placement mentions, with where. */
    public List<DeviceRef> deviceReferences() {
        List<DeviceRef> refs = new ArrayList<>();
        home.ifPresent(d -> refs.add(new DeviceRef(d, "$.placement.home")));
        embedding.ifPresent(d -> refs.add(new DeviceRef(d, "$.placement.embedding")));
        head.ifPresent(d -> refs.add(new DeviceRef(d, "$.placement.head")));
        layers.forEach(s -> refs.add(new DeviceRef(s.device(), s.jsonPath() + ".device")));
        experts.ifPresent(e -> refs.addAll(e.deviceReferences()));
        expertOffload.ifPresent(o -> refs.add(new DeviceRef(o.device(), o.jsonPath() + ".device")));
        rules.forEach(r -> refs.add(new DeviceRef(r.device(), r.jsonPath() + ".device")));
        return refs;
    }
}
