package dev.llada2.backend;

import dev.llada2.runtime.Engine;
import dev.llada2.weights.LLaDA2Weights;

import java.util.List;
import java.util.Optional;

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
     * Runs every kernel of this backend on {@code device} against its CPU twin ({@code llada2 selftest}).
     * The CPU engine is the reference, so its own list is empty.
     */
    default List<KernelCheck> selfTest(DeviceId device) {
        return List.of();
    }
}
