package dev.llada2.profiles.fit;

import dev.llada2.arch.TensorSpec;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.ExpertOffload;
import dev.llada2.profiles.ExpertSplit;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.IndexRange;
import dev.llada2.profiles.PlacementRule;
import dev.llada2.profiles.PlacementSpec;
import dev.llada2.runtime.Placement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a profile's placement policy into the runtime's {@link Placement} for one model, in the
 * order {@link PlacementSpec} documents: home / embedding / head, layers, experts, expert_offload,
 * rules. Every check that needs the model's layer and expert counts happens here and names the
 * profile and JSON path.
 */
final class PlacementResolver {

    private final LLaDA2Config c;
    private final HardwareProfile profile;
    private final PlacementSpec spec;
    private final String model;

    private PlacementResolver(LLaDA2Config c, HardwareProfile profile) {
        this.c = c;
        this.profile = profile;
        this.spec = profile.placement();
        this.model = c.source() + " (" + c.numHiddenLayers() + " layers, " + c.numMoeLayers() + " of them MoE with "
                + c.numExperts() + " experts)";
    }

    /** @param tensors the model's tensors ({@code LLaDA2Architecture.tensors(c)}), for the rules */
    static Placement resolve(LLaDA2Config c, HardwareProfile profile, List<TensorSpec> tensors) {
        return new PlacementResolver(c, profile).resolve(tensors);
    }

    private Placement resolve(List<TensorSpec> tensors) {
        int n = c.numHiddenLayers();
        int home = index(spec.home().orElse(profile.devices().getFirst().id()));
        int embedding = spec.embedding().map(this::index).orElse(home);
        int head = spec.head().map(this::index).orElse(home);
        int[] layerDevice = new int[n];
        java.util.Arrays.fill(layerDevice, home);
        if (!spec.layers().isEmpty()) {
            List<String> ids = LayerSplitResolver.resolve(spec.layers(), n, profile.source(), model);
            for (int l = 0; l < n; l++) {
                layerDevice[l] = index(ids.get(l));
            }
        }
        int[][] expertDevice = new int[n][];
        for (int l = 0; l < n; l++) {
            expertDevice[l] = new int[c.isMoeLayer(l) ? c.numExperts() : 0];
            java.util.Arrays.fill(expertDevice[l], layerDevice[l]);
        }
        spec.experts().ifPresent(split -> split(split, expertDevice));
        spec.expertOffload().ifPresent(offload -> {
            int d = index(offload.device());
            for (int l : offloadedLayers(offload)) {
                java.util.Arrays.fill(expertDevice[l], d);
            }
        });
        Placement structural = new Placement(profile.devices().size(), embedding, head, layerDevice, expertDevice);
        return spec.rules().isEmpty() ? structural : applyRules(structural, tensors);
    }

    private void split(ExpertSplit split, int[][] expertDevice) {
        int experts = c.numExperts();
        switch (split) {
            case ExpertSplit.Even even -> {
                int parts = even.devices().size();
                for (int[] layer : expertDevice) {
                    for (int e = 0; e < layer.length; e++) {
                        layer[e] = index(even.devices().get((int) ((long) e * parts / experts)));
                    }
                }
            }
            case ExpertSplit.Ranges ranges -> {
                for (ExpertSplit.ExpertRange r : ranges.ranges()) {
                    if (r.experts().last() >= experts) {
                        throw fail(r.jsonPath() + ".experts", "experts " + r.experts() + " go past the last expert ("
                                + (experts - 1) + ") of " + model);
                    }
                    int d = index(r.device());
                    for (int[] layer : expertDevice) {
                        if (layer.length > 0) {
                            java.util.Arrays.fill(layer, r.experts().first(), r.experts().last() + 1, d);
                        }
                    }
                }
            }
        }
    }

    private List<Integer> offloadedLayers(ExpertOffload offload) {
        List<Integer> moe = new ArrayList<>();
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            if (c.isMoeLayer(l)) {
                moe.add(l);
            }
        }
        String moeLayers = moe.isEmpty() ? "none" : new IndexRange(moe.getFirst(), moe.getLast()).toString();
        return switch (offload.layers()) {
            case ExpertOffload.FirstMoeLayers(int count) -> {
                if (count > moe.size()) {
                    throw fail(offload.jsonPath() + ".first_moe_layers", count + " MoE layers asked for, but " + model
                            + " has " + moe.size() + " (layers " + moeLayers + ")");
                }
                yield moe.subList(0, count);
            }
            case ExpertOffload.Fraction(double f) -> moe.subList(0, (int) Math.round(f * moe.size()));
            case ExpertOffload.Range(IndexRange r) -> {
                List<Integer> chosen = new ArrayList<>();
                for (int l = r.first(); l <= r.last(); l++) {
                    if (l >= c.numHiddenLayers() || !c.isMoeLayer(l)) {
                        throw fail(offload.jsonPath() + ".layers", "layer " + l + (l >= c.numHiddenLayers()
                                ? " does not exist" : " is a dense layer without routed experts") + " in " + model
                                + "; its MoE layers are " + moeLayers);
                    }
                    chosen.add(l);
                }
                yield chosen;
            }
        };
    }

    /**
     * Per tensor: the structural device, overridden by the last rule that matches its name. Then every
     * placement unit must have landed on one device.
     */
    private Placement applyRules(Placement structural, List<TensorSpec> tensors) {
        List<PlacementRule> rules = spec.rules();
        List<Pattern> patterns = rules.stream().map(PlacementRule::compile).toList();
        int[] ruleDevice = rules.stream().mapToInt(r -> index(r.device())).toArray();
        int[] matches = new int[rules.size()];
        Map<PlacementUnit, Decision> units = new HashMap<>();
        for (TensorSpec t : tensors) {
            PlacementUnit unit = PlacementUnit.of(t);
            int rule = -1;
            for (int i = 0; i < rules.size(); i++) {
                if (patterns.get(i).matcher(t.name()).matches()) {
                    matches[i]++;
                    rule = i;
                }
            }
            Decision d = new Decision(t.name(), rule, rule >= 0 ? ruleDevice[rule] : unit.device(structural));
            Decision first = units.putIfAbsent(unit, d);
            if (first != null && first.device() != d.device()) {
                throw splitUnit(unit, first, d);
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            if (matches[i] == 0) {
                throw fail(rules.get(i).jsonPath() + ".pattern", "\"" + rules.get(i).pattern()
                        + "\" matches no tensor of " + model + " (names look like model.layers.0.attention.dense.weight,"
                        + " model.layers.1.mlp.experts.0.up_proj.weight, lm_head.weight)");
            }
        }
        int n = c.numHiddenLayers();
        int[] layerDevice = new int[n];
        int[][] expertDevice = new int[n][];
        for (int l = 0; l < n; l++) {
            layerDevice[l] = units.get(new PlacementUnit(PlacementUnit.Kind.LAYER_HOME, l, -1)).device();
            expertDevice[l] = new int[structural.expertDevice()[l].length];
            for (int e = 0; e < expertDevice[l].length; e++) {
                expertDevice[l][e] = units.get(new PlacementUnit(PlacementUnit.Kind.EXPERT, l, e)).device();
            }
        }
        int embedding = units.get(new PlacementUnit(PlacementUnit.Kind.EMBEDDING, -1, -1)).device();
        Decision head = units.get(new PlacementUnit(PlacementUnit.Kind.HEAD, -1, -1));
        return new Placement(profile.devices().size(), embedding,
                head != null ? head.device() : structural.headDevice(), layerDevice, expertDevice);
    }

    /** Where one tensor went and why: rule index, or -1 for the structural keys. */
    private record Decision(String tensor, int rule, int device) {
    }

    private LladaException splitUnit(PlacementUnit unit, Decision a, Decision b) {
        Decision byRule = b.rule() >= 0 ? b : a;
        Decision other = byRule == b ? a : b;
        PlacementRule rule = spec.rules().get(byRule.rule());
        return fail(rule.jsonPath(), "rule \"" + rule.pattern() + "\" -> " + rule.device() + " puts " + byRule.tensor()
                + " on " + id(byRule.device()) + " but " + other.tensor() + " is on " + id(other.device())
                + (other.rule() >= 0 ? " (by " + spec.rules().get(other.rule()).jsonPath() + ")" : "")
                + ": " + unit.describe() + " must be on one device; to move it, " + unit.howToMoveWhole());
    }

    private int index(String id) {
        return profile.indexOf(id).orElseThrow(() -> new IllegalStateException("unknown device " + id
                + " passed HardwareProfile validation"));
    }

    private String id(int device) {
        return profile.devices().get(device).id();
    }

    private LladaException fail(String path, String message) {
        return LladaException.input(profile.source() + ": " + path + ": " + message);
    }
}
