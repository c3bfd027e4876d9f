package dev.llada2.profiles;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Expert parallelism ({@code placement.experts}): where the routed experts of every MoE layer live.
 * Experts not covered stay on their layer's home device.
 */
public sealed interface ExpertSplit {

    /** Every device id the split mentions. */
    List<DeviceRef> deviceReferences();

    /**
     * {@code {"split": [d0, d1, ...]}}: the experts of each MoE layer in D contiguous, even ranges,
     * device i taking experts {@code [i*E/D, (i+1)*E/D)} (integer division), E = num_experts.
     *
     * @param jsonPath where the list was written ({@code $.placement.experts.split})
     */
    record Even(List<String> devices, String jsonPath) implements ExpertSplit {
        public Even {
            devices = List.copyOf(devices);
            if (devices.isEmpty()) {
                throw new IllegalArgumentException(jsonPath + ": expected at least one device id, found an empty list");
            }
            Set<String> seen = new HashSet<>();
            for (String d : devices) {
                if (!seen.add(d)) {
                    throw new IllegalArgumentException(jsonPath + ": device \"" + d + "\" is listed twice");
                }
            }
        }

        @Override
        public List<DeviceRef> deviceReferences() {
            return java.util.stream.IntStream.range(0, devices.size())
                    .mapToObj(i -> new DeviceRef(devices.get(i), jsonPath + "[" + i + "]")).toList();
        }
    }

    /** {@code {"ranges": [{"device": d, "experts": "a-b"}, ...]}}: explicit, non-overlapping expert ranges. */
    record Ranges(List<ExpertRange> ranges) implements ExpertSplit {
        public Ranges {
            ranges = List.copyOf(ranges);
            if (ranges.isEmpty()) {
                throw new IllegalArgumentException("ranges: expected at least one {device, experts} entry, found none");
            }
            for (int i = 0; i < ranges.size(); i++) {
                for (int j = 0; j < i; j++) {
                    IndexRange a = ranges.get(j).experts();
                    IndexRange b = ranges.get(i).experts();
                    if (a.first() <= b.last() && b.first() <= a.last()) {
                        throw new IllegalArgumentException(ranges.get(i).jsonPath() + ": experts " + b
                                + " overlap " + ranges.get(j).jsonPath() + " (experts " + a + ")");
                    }
                }
            }
        }

        @Override
        public List<DeviceRef> deviceReferences() {
            return ranges.stream().map(r -> new DeviceRef(r.device(), r.jsonPath() + ".device")).toList();
        }
    }

    /**
     * @param experts  expert indexes (must exist in the model: checked when planning)
     * @param jsonPath where the entry was written
     */
    record ExpertRange(String device, IndexRange experts, String jsonPath) {
    }
}
