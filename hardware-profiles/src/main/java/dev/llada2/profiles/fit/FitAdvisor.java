package dev.llada2.profiles.fit;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.IndexRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Concrete changes for a plan that does not fit, one suggestion per device over budget: how many
 * such devices the whole model needs, how many MoE layers' routed experts to move to a CPU device
 * (with the {@code expert_offload} entry to write), and what quantised weights would take.
 */
final class FitAdvisor {

    private final LLaDA2Config c;
    private final List<DeviceLoad> loads;
    private final MemoryLedger ledger;

    private FitAdvisor(LLaDA2Config c, List<DeviceLoad> loads, MemoryLedger ledger) {
        this.c = c;
        this.loads = loads;
        this.ledger = ledger;
    }

    static List<String> advise(LLaDA2Config c, List<DeviceLoad> loads, MemoryLedger ledger) {
        FitAdvisor a = new FitAdvisor(c, loads, ledger);
        List<String> out = new ArrayList<>();
        for (int d = 0; d < loads.size(); d++) {
            if (!loads.get(d).fits()) {
                out.add(a.forDevice(d));
            }
        }
        return out;
    }

    private String forDevice(int d) {
        DeviceLoad load = loads.get(d);
        List<String> options = new ArrayList<>();
        options.add(moreDevices(d));
        if (!load.device().isCpu()) {
            offload(d).ifPresent(options::add);
        }
        options.add(quantise(d));
        if (load.kvBytes() >= load.excessBytes() / 4) {
            options.add("or plan a shorter canvas (--gen-length): the fp32 KV cache takes " + Sizes.format(load.kvBytes()));
        }
        return String.format(Locale.ROOT, "device %s needs %s of %s (%.0f%%): %s", load.device().id(),
                Sizes.format(load.totalBytes()), Sizes.format(load.budgetBytes()), 100 * load.budgetFraction(),
                String.join("; ", options));
    }

    /** The whole model spread over devices with this one's budget. */
    private String moreDevices(int d) {
        long all = loads.stream().mapToLong(DeviceLoad::totalBytes).sum();
        long budget = loads.get(d).budgetBytes();
        long needed = (all + budget - 1) / budget;
        if (needed > loads.size()) {
            return "use a profile with >= " + needed + " such devices (" + Sizes.format(budget) + " each; the model"
                    + " needs " + Sizes.format(all) + " in all, this profile has " + loads.size() + ")";
        }
        long free = loads.stream().mapToLong(l -> Math.max(0, l.budgetBytes() - l.totalBytes())).sum();
        return "rebalance: give " + loads.get(d).device().id() + " fewer layers or experts (the other devices have "
                + Sizes.format(free) + " free)";
    }

    /**
     * The fewest leading MoE layers whose routed experts, moved off {@code d}, bring it within budget,
     * and a CPU device of the profile with room for them if there is one.
     */
    private Optional<String> offload(int d) {
        long excess = loads.get(d).excessBytes();
        long moved = 0;
        int first = -1;
        int count = 0;
        int last = -1;
        for (int l = 0; l < c.numHiddenLayers() && moved < excess; l++) {
            long b = ledger.routedExpertBytes(d, l);
            if (b > 0) {
                first = first < 0 ? l : first;
                last = l;
                count++;
                moved += b;
            }
        }
        if (count == 0) {
            return Optional.empty();
        }
        String id = loads.get(d).device().id();
        if (moved < excess) {
            return Optional.of("moving all routed experts off " + id + " (" + Sizes.format(moved)
                    + ") is not enough on its own");
        }
        long need = moved;
        Optional<DeviceLoad> cpu = loads.stream()
                .filter(l -> l.device().isCpu() && l.budgetBytes() - l.totalBytes() >= need)
                .findFirst();
        String target = cpu.map(l -> l.device().id()).orElse("cpu");
        boolean leading = first == firstMoeLayer();
        String entry = "\"expert_offload\": {\"device\": \"" + target + "\", " + (leading
                ? "\"first_moe_layers\": " + count : "\"layers\": \"" + new IndexRange(first, last) + "\"") + "}";
        return Optional.of("or move the routed experts of " + count + " MoE layers (layers " + new IndexRange(first, last)
                + ", " + Sizes.format(moved) + ") to " + (cpu.isPresent() ? "CPU device " + target
                : "a CPU device with >= " + Sizes.format(moved) + " free (add {\"id\": \"cpu\", \"backend\": \"cpu\"})")
                + ": " + entry);
    }

    private int firstMoeLayer() {
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            if (c.isMoeLayer(l)) {
                return l;
            }
        }
        return -1;
    }

    /** Device total with 8-bit and 4-bit weights (1 and 0.5 bytes per weight). */
    private String quantise(int d) {
        DeviceLoad load = loads.get(d);
        long rest = load.kvBytes() + load.workBytes();
        long q8 = load.weightElements() + rest;
        long q4 = load.weightElements() / 2 + rest;
        return "or quantise the weights: 8-bit needs " + Sizes.format(q8) + fitsWord(q8, load) + ", 4-bit "
                + Sizes.format(q4) + fitsWord(q4, load);
    }

    private static String fitsWord(long bytes, DeviceLoad load) {
        return bytes <= load.budgetBytes() ? " (fits)" : " (does not fit)";
    }
}
