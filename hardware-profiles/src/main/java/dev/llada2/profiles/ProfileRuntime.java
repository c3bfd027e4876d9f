package dev.llada2.profiles;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceAssignment;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the engine a {@link Plan} describes, with the backend {@link Backends} finds: an all-CPU plan
 * runs on the CPU backend (one CPU device per profile device, with the plan's thread count); a plan
 * with TornadoVM devices goes, whole, to the {@code tornado} backend, CPU devices included. Either way
 * the backend's {@link BackendProvider#createEngine(dev.llada2.weights.LLaDA2Weights, List,
 * dev.llada2.runtime.Placement) multi-device createEngine} executes the plan's placement. Memory budgets
 * are not enforced here: callers show {@link Plan#fits()} and its suggestions before creating an engine.
 */
public final class ProfileRuntime {

    private ProfileRuntime() {
    }

    /**
     * @param plan  a plan made for {@code model}'s config (same layer and expert counts)
     * @throws LladaException (input) when the plan was made for another model shape; (runtime) when the
     *                        plan needs a backend this installation does not have, or one that cannot run it
     */
    public static Engine createEngine(Plan plan, LoadedModel model) {
        checkShape(plan, model);
        List<DeviceAssignment> devices = plan.devices().stream()
                .map(d -> new DeviceAssignment(d.device().selector(), d.device().id(), d.threads())).toList();
        return provider(plan.profile()).createEngine(model.weights(), devices, plan.placement());
    }

    private static BackendProvider provider(HardwareProfile profile) {
        if (profile.cpuOnly()) {
            return Backends.require("cpu");
        }
        try {
            return Backends.require("tornado");
        } catch (LladaException e) {
            String devices = profile.devices().stream().filter(d -> !d.isCpu())
                    .map(d -> d.id() + " (" + d.selector() + ")").collect(Collectors.joining(", "));
            throw new LladaException(e.kind(), "profile " + profile.name() + " (" + profile.source()
                    + ") uses TornadoVM devices " + devices + ": " + e.getMessage() + " Or use a CPU profile (--profile cpu).", e);
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
