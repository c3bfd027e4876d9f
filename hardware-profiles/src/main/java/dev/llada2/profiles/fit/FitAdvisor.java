package dev.llada2.profiles.fit;

import dev.llada2.checkpoint.quant.QuantScheme;
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

    /** The quantized types the advice sizes, each with its ledger (same placement). */
    static final List<QuantScheme> QUANTIZE_OPTIONS = List.of(QuantScheme.Q8_0, QuantScheme.Q4_K_M);

    private final LLaDA2Config c;
    private final List<DeviceLoad> loads;
    private final MemoryLedger ledger;
    private final List<MemoryLedger> quantized;

    private FitAdvisor(LLaDA2Config c, List<DeviceLoad> loads, MemoryLedger ledger, List<MemoryLedger> quantized) {
        this.c = c;
        this.loads = loads;
        this.ledger = ledger;
        this.quantized = quantized;
    }

    /** @param quantized a ledger per {@link #QUANTIZE_OPTIONS} entry */
    static List<String> advise(LLaDA2Config c, List<DeviceLoad> loads, MemoryLedger ledger, List<MemoryLedger> quantized) {
        FitAdvisor a = new FitAdvisor(c, loads, ledger, quantized);
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

    /**
     * Device total with the weights as {@code llada2 quantize} writes them (exact: llama.cpp's type per
     * tensor, whole blocks), naming the command.
     */
    private String quantise(int d) {
        DeviceLoad load = loads.get(d);
        long rest = load.kvBytes() + load.workBytes();
        List<String> sizes = new ArrayList<>();
        for (int i = 0; i < QUANTIZE_OPTIONS.size(); i++) {
            long total = quantized.get(i).weightBytesTotal(d) + rest;
            sizes.add(QUANTIZE_OPTIONS.get(i).cliName() + " needs " + Sizes.format(total) + fitsWord(total, load));
        }
        return "or quantise the weights with `llada2 quantize --type q8_0|q4_k_m` (then plan with --quantize): "
                + String.join(", ", sizes);
    }

    private static String fitsWord(long bytes, DeviceLoad load) {
        return bytes <= load.budgetBytes() ? " (fits)" : " (does not fit)";
    }
}
