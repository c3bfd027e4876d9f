package dev.llada2.tornado.plan;

import dev.llada2.backend.DeviceInfo;
import dev.llada2.errors.LladaException;

import java.util.Locale;

/**
 * Checks, before anything is copied, that what a device is asked to hold fits: each weight part in
 * one device buffer (the device's max allocation) and the running total in the memory TornadoVM
 * allows ({@code min(global memory, -Dtornado.device.memory)}). The error names the tensor at which
 * the budget runs out and the numbers, so the user can place fewer layers on the device or raise
 * TornadoVM's cap.
 */
public final class MemoryBudget {

    private final DeviceInfo device;
    private final long usable;
    private final long cap;
    private final boolean engineLimit;
    private long total;

    /**
     * @param usable      bytes the engine may allocate on the device
     * @param cap         TornadoVM's configured cap, for the message
     * @param engineLimit the engine options lowered {@code usable} below what TornadoVM allows
     */
    public MemoryBudget(DeviceInfo device, long usable, long cap, boolean engineLimit) {
        this.device = device;
        this.usable = usable;
        this.cap = cap;
        this.engineLimit = engineLimit;
    }

    /** Adds a tensor (or a group named by a pattern) of {@code bytes}; {@code largestPart} must fit one buffer. */
    public void add(String tensor, long bytes, long largestPart) {
        if (largestPart > device.maxAllocation()) {
            throw LladaException.runtime(tensor + " needs a device buffer of " + gib(largestPart) + " (one expert or"
                    + " row cannot be split further) but " + device.id() + " (" + device.name()
                    + ") allows at most " + gib(device.maxAllocation()) + " per buffer");
        }
        total += bytes;
        if (total > usable) {
            throw LladaException.runtime("the model does not fit on " + device.id() + " (" + device.name() + "): "
                    + tensor + " brings the device buffers to " + gib(total) + " but only " + gib(usable)
                    + " are usable (" + (engineLimit ? "the engine's maxDeviceBytes limit; " : "")
                    + "device global memory " + gib(device.globalMemory())
                    + ", TornadoVM cap -Dtornado.device.memory=" + gib(cap) + "). Raise the cap (e.g."
                    + " LLADA2_JAVA_OPTS=-Dtornado.device.memory=" + Math.max(1, (total >> 30) + 1)
                    + "GB) if the device has the memory, or place fewer layers on this device.");
        }
    }

    public long total() {
        return total;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
