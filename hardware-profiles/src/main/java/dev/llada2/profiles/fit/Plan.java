package dev.llada2.profiles.fit;

import dev.llada2.checkpoint.DType;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.runtime.Placement;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A profile resolved for one model: the runtime's {@link Placement} and, per device in profile
 * order, what it holds and how many bytes that takes. Built by {@link Planner}; printed by
 * {@link PlanReport}; turned into an engine by {@code ProfileRuntime}.
 *
 * @param devices     one entry per profile device, index = placement device index
 * @param suggestions what to change when it does not fit (empty when it fits)
 */
public record Plan(HardwareProfile profile, LLaDA2Config config, PlanOptions options, Placement placement,
                   List<DeviceLoad> devices, List<String> suggestions) {

    public Plan {
        devices = List.copyOf(devices);
        suggestions = List.copyOf(suggestions);
        if (devices.size() != profile.devices().size() || placement.deviceCount() != devices.size()) {
            throw new IllegalArgumentException("plan for " + profile.devices().size() + " profile devices has "
                    + devices.size() + " device loads and a placement over " + placement.deviceCount());
        }
        if (placement.layerDevice().length != config.numHiddenLayers()) {
            throw new IllegalArgumentException("placement has " + placement.layerDevice().length
                    + " layers, the config " + config.numHiddenLayers());
        }
    }

    /** Whether every device's total is within its budget. */
    public boolean fits() {
        return devices.stream().allMatch(DeviceLoad::fits);
    }

    public long totalWeightBytes() {
        return devices.stream().mapToLong(DeviceLoad::weightBytes).sum();
    }

    public long totalKvBytes() {
        return devices.stream().mapToLong(DeviceLoad::kvBytes).sum();
    }

    public long totalWorkBytes() {
        return devices.stream().mapToLong(DeviceLoad::workBytes).sum();
    }

    public long totalBytes() {
        return devices.stream().mapToLong(DeviceLoad::totalBytes).sum();
    }

    public long totalBudgetBytes() {
        return devices.stream().mapToLong(DeviceLoad::budgetBytes).sum();
    }

    /**
     * A lower bound on one block forward's time, when every device that reads weights has a measured
     * {@code bandwidth_gbps}: the devices run one after another (a pipeline of one request), each
     * bound by reading its weights, so the sum over devices of bytes read / bandwidth.
     */
    public OptionalDouble estimatedForwardSeconds() {
        double seconds = 0;
        for (DeviceLoad d : devices) {
            if (d.readBytesPerForward() == 0) {
                continue;
            }
            if (d.device().bandwidthGbps().isEmpty()) {
                return OptionalDouble.empty();
            }
            seconds += d.readBytesPerForward() / (d.device().bandwidthGbps().getAsDouble() * 1e9);
        }
        return OptionalDouble.of(seconds);
    }

    /** Weight bytes of the whole model per storage type. */
    public Map<DType, Long> weightBytesByDtype() {
        Map<DType, Long> sum = new EnumMap<>(DType.class);
        devices.forEach(d -> d.weightBytesByDtype().forEach((t, b) -> sum.merge(t, b, Long::sum)));
        return sum;
    }
}
