package dev.llada2.profiles;

import dev.llada2.backend.cpu.CpuDevice;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.fit.DeviceLoad;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the engine a {@link Plan} describes. All-CPU plans run on {@link CpuEngine}: one
 * {@link CpuDevice} per profile device, with the plan's thread count, executing the plan's
 * placement. Plans with other devices go to the {@link DeviceBackendProvider} registered for their
 * backend. Memory budgets are not enforced here: callers show {@link Plan#fits()} and its
 * suggestions before creating an engine.
 */
public final class ProfileRuntime {

    private ProfileRuntime() {
    }

    /**
     * @param plan  a plan made for {@code model}'s config (same layer and expert counts)
     * @throws LladaException (input) when the plan was made for another model shape; (runtime) when the
     *                        plan needs a backend this build does not have
     */
    public static Engine createEngine(Plan plan, LoadedModel model) {
        checkShape(plan, model);
        if (plan.profile().cpuOnly()) {
            return cpuEngine(plan, model);
        }
        HardwareProfile profile = plan.profile();
        String needed = profile.devices().stream().filter(d -> !d.isCpu()).map(DeviceSpec::backend)
                .findFirst().orElseThrow();
        String devices = profile.devices().stream().filter(d -> d.backend().equals(needed))
                .map(d -> d.id() + " (" + d.selector() + ")").collect(Collectors.joining(", "));
        return BackendProviders.require(needed, "profile " + profile.name() + " (" + profile.source() + ") uses "
                + needed + " devices " + devices).createEngine(plan, model);
    }

    private static CpuEngine cpuEngine(Plan plan, LoadedModel model) {
        List<CpuDevice> devices = new ArrayList<>();
        try {
            for (DeviceLoad d : plan.devices()) {
                devices.add(new CpuDevice(d.device().id(), d.threads().orElseThrow()));
            }
            return new CpuEngine(model.weights(), devices, plan.placement(), true);
        } catch (RuntimeException e) {
            devices.forEach(CpuDevice::close);
            throw e;
        }
    }

    private static void checkShape(Plan plan, LoadedModel model) {
        LLaDA2Config planned = plan.config();
        LLaDA2Config actual = model.config();
        boolean same = planned.numHiddenLayers() == actual.numHiddenLayers()
                && planned.numExperts() == actual.numExperts()
                && planned.firstKDenseReplace() == actual.firstKDenseReplace();
        if (!same) {
            throw LladaException.input("the plan was made for " + planned.source() + " (" + planned.numHiddenLayers()
                    + " layers, " + planned.numExperts() + " experts, first_k_dense_replace "
                    + planned.firstKDenseReplace() + ") but the model " + model.dir() + " has "
                    + actual.numHiddenLayers() + " layers, " + actual.numExperts() + " experts, first_k_dense_replace "
                    + actual.firstKDenseReplace() + "; plan again with this model's config");
        }
    }
}
