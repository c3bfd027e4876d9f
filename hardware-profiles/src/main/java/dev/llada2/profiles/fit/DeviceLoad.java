package dev.llada2.profiles.fit;

import dev.llada2.checkpoint.DType;
import dev.llada2.profiles.DeviceSpec;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One device's share of a plan, in bytes.
 *
 * @param device        the profile's device
 * @param threads       CPU worker threads (explicit or the host's cores shared); empty for other backends
 * @param budgetBytes   memory budget ({@code memory_gb}, or the host's memory shared by the CPU devices)
 * @param holds         what it holds, e.g. ["embedding", "layer homes 0-9", "all routed experts of layers 1-9"]
 * @param weightBytesByDtype weight bytes per storage type
 * @param weightElements number of weight elements (for "what if quantised" estimates)
 * @param kvBytes       fp32 KV cache of the layers it homes
 * @param workBytes     activations and scratch of a block forward ({@link Workspace})
 * @param readBytesPerForward weight bytes a block forward reads here (all routed experts counted at
 *                      their expected share under uniform routing)
 */
public record DeviceLoad(DeviceSpec device, OptionalInt threads, long budgetBytes, List<String> holds,
                         Map<DType, Long> weightBytesByDtype, long weightElements, long kvBytes, long workBytes,
                         long readBytesPerForward) {

    public DeviceLoad {
        holds = List.copyOf(holds);
        EnumMap<DType, Long> copy = new EnumMap<>(DType.class);
        copy.putAll(weightBytesByDtype);
        weightBytesByDtype = Collections.unmodifiableMap(copy);
        if (budgetBytes <= 0 || weightElements < 0 || kvBytes < 0 || workBytes < 0 || readBytesPerForward < 0
                || copy.values().stream().anyMatch(b -> b < 0)) {
            throw new IllegalArgumentException("device " + device.id() + ": byte counts must be >= 0 and the budget > 0");
        }
    }

    public long weightBytes() {
        return weightBytesByDtype.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalBytes() {
        return weightBytes() + kvBytes + workBytes;
    }

    /** Share of the budget used, 1.0 = full. */
    public double budgetFraction() {
        return (double) totalBytes() / budgetBytes;
    }

    public boolean fits() {
        return totalBytes() <= budgetBytes;
    }

    /** Bytes over budget, 0 when it fits. */
    public long excessBytes() {
        return Math.max(0, totalBytes() - budgetBytes);
    }
}
