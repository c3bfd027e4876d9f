package dev.llada2.backend;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.Placement;
import dev.llada2.weights.LLaDA2Weights;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A compute backend, discovered with {@link java.util.ServiceLoader}: the CPU engine is built in;
 * the TornadoVM backend registers itself from the {@code tornado-tasks} module when it is on the
 * class path and TornadoVM is running.
 */
public interface BackendProvider {

    /** "cpu" or "tornado": the prefix of its device ids. */
    String name();

    /** Empty when usable, otherwise what is missing and how to get it. */
    Optional<String> unavailableReason();

    List<DeviceInfo> devices();

    /** Builds an engine holding the whole model on one device. */
    Engine createEngine(LLaDA2Weights weights, DeviceId device);

    /**
     * Builds an engine that executes a multi-device {@code placement} (a hardware profile's plan): device
     * index i of the placement is {@code devices.get(i)}. The list may hold devices of other backends (a
     * TornadoVM GPU with CPU-resident experts); a backend that cannot drive some of them throws
     * {@link LladaException#runtime} naming them.
     *
     * <p>The default runs only single-device placements, with {@link #createEngine(LLaDA2Weights, DeviceId)}.
     *
     * @throws IllegalArgumentException when {@code placement} is not over {@code devices.size()} devices
     */
    default Engine createEngine(LLaDA2Weights weights, List<DeviceAssignment> devices, Placement placement) {
        if (placement.deviceCount() != devices.size()) {
            throw new IllegalArgumentException("placement is for " + placement.deviceCount() + " devices, got "
                    + devices.size());
        }
        if (devices.size() == 1) {
            return createEngine(weights, devices.getFirst().id());
        }
        throw LladaException.runtime("the " + name() + " backend runs only single-device placements, not one over "
                + devices.size() + " devices: " + devices.stream().map(DeviceAssignment::toString)
                .collect(Collectors.joining(", ")));
    }

    /**
     * Measures one of this backend's devices for the model's shapes ({@code llada2 profile}); the result is
     * what {@code ProfileWriter} writes into a hardware profile. The default says it is not supported.
     */
    default DeviceMeasurement measure(DeviceId device, LLaDA2Config shapes) {
        throw LladaException.runtime("measuring " + device + " is not supported by the " + name() + " backend");
    }

    /**
     * Runs every kernel of this backend on {@code device} against its CPU twin ({@code llada2 selftest}).
     * The CPU engine is the reference, so its own list is empty.
     */
    default List<KernelCheck> selfTest(DeviceId device) {
        return List.of();
    }
}
