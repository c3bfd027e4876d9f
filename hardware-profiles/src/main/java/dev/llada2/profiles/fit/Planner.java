package dev.llada2.profiles.fit;

import dev.llada2.arch.LLaDA2Architecture;
import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.DeviceSpec;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.HostResources;
import dev.llada2.runtime.Placement;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Resolves a {@link HardwareProfile} against a model config into a {@link Plan}: the placement the
 * runtime executes and each device's bytes (weights by type, fp32 KV cache, workspace) against its
 * budget. Needs only {@code config.json}: every byte count comes from
 * {@link LLaDA2Architecture#tensors}, never from weights.
 */
public final class Planner {

    private Planner() {
    }

    /** Plans with the config's {@code torch_dtype} (unless {@code options} overrides it) on this host. */
    public static Plan plan(LLaDA2Config config, HardwareProfile profile, PlanOptions options) {
        return plan(config, profile, options, WeightDtypes.fromConfig(config), HostResources.detect());
    }

    /**
     * @param dtypes storage type per tensor ({@link WeightDtypes#fromCheckpoint} for a checkpoint's actual
     *               types); {@link PlanOptions#weightDtype()} overrides it
     * @param host   cores and memory shared by CPU devices that leave {@code threads} / {@code memory_gb} out
     * @throws dev.llada2.errors.LladaException (input) when the profile cannot be resolved for this model
     */
    public static Plan plan(LLaDA2Config config, HardwareProfile profile, PlanOptions options, WeightDtypes dtypes,
                            HostResources host) {
        WeightDtypes types = options.weightDtype().<WeightDtypes>map(WeightDtypes::uniform).orElse(dtypes);
        List<TensorSpec> tensors = LLaDA2Architecture.tensors(config);
        Placement placement = PlacementResolver.resolve(config, profile, tensors);
        MemoryLedger ledger = MemoryLedger.count(config, tensors, placement, types, options);
        List<MemoryLedger> quantized = new ArrayList<>();
        for (QuantScheme scheme : FitAdvisor.QUANTIZE_OPTIONS) {
            quantized.add(MemoryLedger.count(config, tensors, placement, WeightDtypes.quantized(scheme, config), options));
        }
        int cpuDevices = profile.cpuDeviceCount();
        List<DeviceLoad> loads = new ArrayList<>();
        for (int d = 0; d < profile.devices().size(); d++) {
            DeviceSpec spec = profile.devices().get(d);
            boolean cpu = spec.isCpu();
            OptionalInt threads = cpu ? OptionalInt.of(spec.threads().orElse(host.threadsPerCpuDevice(cpuDevices)))
                    : OptionalInt.empty();
            long budget = spec.memoryGb().isPresent() ? Sizes.gb(spec.memoryGb().getAsDouble())
                    : host.memoryPerCpuDevice(cpuDevices);
            loads.add(new DeviceLoad(spec, threads, budget, Holdings.describe(config, placement, d),
                    ledger.weightBytes(d), ledger.weightElements(d), ledger.kvBytes(d), ledger.workBytes(d),
                    ledger.readBytesPerForward(d)));
        }
        return new Plan(profile, config, options, placement, loads, FitAdvisor.advise(config, loads, ledger, quantized));
    }
}
