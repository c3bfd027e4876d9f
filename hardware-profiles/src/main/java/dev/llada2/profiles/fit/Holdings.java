package dev.llada2.profiles.fit;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.IndexRange;
import dev.llada2.runtime.Placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What a device holds under a placement, as short phrases with index ranges ("layer homes 0-9"). */
final class Holdings {

    private Holdings() {
    }

    static List<String> describe(LLaDA2Config c, Placement p, int d) {
        List<String> out = new ArrayList<>();
        if (p.embeddingDevice() == d) {
            out.add("embedding");
        }
        List<Integer> homes = new ArrayList<>();
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            if (p.layerDevice()[l] == d) {
                homes.add(l);
            }
        }
        if (!homes.isEmpty()) {
            out.add((homes.size() == 1 ? "layer home " : "layer homes ") + ranges(homes));
        }
        // consecutive MoE layers holding the same experts here are one phrase
        String run = null;
        int runStart = -1;
        for (int l = 0; l <= c.numHiddenLayers(); l++) {
            String experts = l < c.numHiddenLayers() ? expertsOn(p.expertDevice()[l], d, c.numExperts()) : null;
            if (!Objects.equals(experts, run)) {
                if (run != null) {
                    out.add(run + " of " + (runStart == l - 1 ? "layer " : "layers ") + new IndexRange(runStart, l - 1));
                }
                run = experts;
                runStart = l;
            }
        }
        if (p.headDevice() == d) {
            out.add("head");
        }
        if (out.isEmpty()) {
            out.add("nothing");
        }
        return out;
    }

    /** "all routed experts", "routed experts 0-7,12", or null when none of the layer's are on d. */
    private static String expertsOn(int[] expertDevice, int d, int experts) {
        List<Integer> mine = new ArrayList<>();
        for (int e = 0; e < expertDevice.length; e++) {
            if (expertDevice[e] == d) {
                mine.add(e);
            }
        }
        if (mine.isEmpty()) {
            return null;
        }
        return mine.size() == experts ? "all routed experts" : "routed experts " + ranges(mine);
    }

    /** Sorted indexes as ranges: [0,1,2,5] -> "0-2,5". */
    static String ranges(List<Integer> sorted) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            int a = sorted.get(i);
            while (i + 1 < sorted.size() && sorted.get(i + 1) == sorted.get(i) + 1) {
                i++;
            }
            parts.add(new IndexRange(a, sorted.get(i)).toString());
        }
        return String.join(",", parts);
    }
}
