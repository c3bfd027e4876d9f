package dev.llada2.profiles;

import dev.llada2.backend.DeviceId;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;

/**
 * The extension point for non-CPU backends: a module that can drive a profile's
 * {@code tornado} devices (the TornadoVM backend) implements this and registers it in
 * {@code META-INF/services/dev.llada2.profiles.DeviceBackendProvider}; {@link ProfileRuntime} and
 * {@link DeviceProfiler} find it with {@link java.util.ServiceLoader}. This build ships no
 * implementation: profiles with TornadoVM devices plan, but do not run.
 */
public interface DeviceBackendProvider {

    /** The backend whose devices this provider drives: a {@link DeviceId#backend()}. */
    String backend();

    /**
     * An engine executing {@code plan.placement()} over the plan's devices, which may mix this backend's
     * devices with CPU devices (e.g. GPU homes with CPU-resident experts).
     */
    Engine createEngine(Plan plan, LoadedModel model);

    /** Measures one of this backend's devices for the model's shapes ({@code llada2 profile}). */
    DeviceMeasurement measure(DeviceId device, LLaDA2Config shapes);
}
