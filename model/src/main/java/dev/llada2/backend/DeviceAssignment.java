package dev.llada2.backend;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One device of a multi-device engine ({@link BackendProvider#createEngine(dev.llada2.weights.LLaDA2Weights,
 * java.util.List, dev.llada2.runtime.Placement)}): its position in the list is its index in the
 * {@link dev.llada2.runtime.Placement}.
 *
 * @param id      which physical device; several CPU devices may all be {@link DeviceId#CPU} (each gets its
 *                own worker threads)
 * @param name    what messages, descriptions and thread names call it (a hardware profile's device id)
 * @param threads worker threads of a CPU device; empty = every core. Not used by other devices.
 */
public record DeviceAssignment(DeviceId id, String name, OptionalInt threads) {

    public DeviceAssignment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        if (threads.isPresent() && threads.getAsInt() < 1) {
            throw new IllegalArgumentException("device " + name + ": threads must be >= 1, got " + threads.getAsInt());
        }
    }

    @Override
    public String toString() {
        return name + " (" + id + ")";
    }
}
