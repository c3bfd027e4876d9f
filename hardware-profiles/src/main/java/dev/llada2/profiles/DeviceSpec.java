package dev.llada2.profiles;

import dev.llada2.backend.DeviceId;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One device of a rig, as a profile's {@code devices[i]} describes it.
 *
 * @param id            the name placement entries refer to ({@code [A-Za-z][A-Za-z0-9_-]*}, unique in a profile)
 * @param selector      which physical device; its {@link DeviceId#backend()} is what drives it (the profile's
 *                      {@code backend} key, which {@link ProfileLoader} checks against it)
 * @param threads       CPU worker threads (CPU devices only); empty = all cores / number of CPU devices
 * @param memoryGb      memory budget in GB (10^9 bytes); empty = (CPU devices only) the host's physical
 *                      memory / number of CPU devices. Required for TornadoVM devices.
 * @param bandwidthGbps measured streaming-read bandwidth, GB/s (optional)
 * @param matmulGflops  measured block matrix throughput, GFLOP/s (optional)
 * @param transferGbps  measured host-to-device rate, GB/s (TornadoVM devices only; a CPU device has no link)
 */
public record DeviceSpec(String id, DeviceId selector, OptionalInt threads, OptionalDouble memoryGb,
                         OptionalDouble bandwidthGbps, OptionalDouble matmulGflops, OptionalDouble transferGbps) {

    /** Device ids are short names that read well in tables and globs cannot confuse. */
    public static final String ID_SYNTAX = "[A-Za-z][A-Za-z0-9_-]*";

    /** @throws IllegalArgumentException naming the key, what was expected and what was found */
    public DeviceSpec {
        Objects.requireNonNull(selector, "selector");
        String backend = selector.backend();
        boolean cpu = selector.isCpu();
        if (id == null || !id.matches(ID_SYNTAX)) {
            throw new IllegalArgumentException("id: expected a name matching " + ID_SYNTAX + ", found "
                    + (id == null ? "nothing" : "\"" + id + "\""));
        }
        threads.ifPresent(t -> {
            if (!cpu) {
                throw new IllegalArgumentException("threads: applies to cpu devices only (this is a " + backend
                        + " device), found " + t);
            }
            if (t < 1) {
                throw new IllegalArgumentException("threads: expected an integer >= 1, found " + t);
            }
        });
        if (!cpu && memoryGb.isEmpty()) {
            throw new IllegalArgumentException("memory_gb: required for " + backend
                    + " devices (the device's memory budget in GB), found nothing");
        }
        positive("memory_gb", memoryGb);
        positive("bandwidth_gbps", bandwidthGbps);
        positive("matmul_gflops", matmulGflops);
        positive("transfer_gbps", transferGbps);
        if (transferGbps.isPresent() && cpu) {
            throw new IllegalArgumentException("transfer_gbps: not applicable to a cpu device (it shares the"
                    + " host's memory; there is no host-to-device link), found " + transferGbps.getAsDouble());
        }
    }

    /** The backend that drives this device: {@code selector().backend()}, "cpu" or "tornado". */
    public String backend() {
        return selector.backend();
    }

    /** Whether this is a CPU device (runnable without TornadoVM). */
    public boolean isCpu() {
        return selector.isCpu();
    }

    private static void positive(String key, OptionalDouble value) {
        if (value.isPresent() && !(value.getAsDouble() > 0 && Double.isFinite(value.getAsDouble()))) {
            throw new IllegalArgumentException(key + ": expected a number > 0, found " + value.getAsDouble());
        }
    }
}
