package dev.llada2.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters an engine keeps: forwards run, bytes handed over between devices (activations crossing
 * a device boundary inside a forward), bytes moved between host and accelerator, the time spent
 * in each {@link ForwardPart} (by engines that account it: the CPU engine), and for engines that
 * run task graphs on an accelerator also graph executions (each ends in a host synchronisation),
 * kernel launches and the device-memory bytes their kernels are given (the engine documents how it
 * counts them; engines without graphs leave these at 0).
 */
public final class EngineStats {

    private final AtomicLong forwards = new AtomicLong();
    private final AtomicLong handoffBytes = new AtomicLong();
    private final AtomicLong hostToDeviceBytes = new AtomicLong();
    private final AtomicLong deviceToHostBytes = new AtomicLong();
    private final AtomicLongArray partNanos = new AtomicLongArray(ForwardPart.values().length);
    private final AtomicLong graphExecutions = new AtomicLong();
    private final AtomicLong kernelLaunches = new AtomicLong();
    private final AtomicLong deviceBytes = new AtomicLong();

    public void countForward() {
        forwards.incrementAndGet();
    }

    public void addHandoff(long bytes) {
        handoffBytes.addAndGet(bytes);
    }

    public void addHostToDevice(long bytes) {
        hostToDeviceBytes.addAndGet(bytes);
    }

    public void addDeviceToHost(long bytes) {
        deviceToHostBytes.addAndGet(bytes);
    }

    /** Adds the time since {@code since} (a {@link System#nanoTime()}) to {@code part}; returns now. */
    public long lap(ForwardPart part, long since) {
        long now = System.nanoTime();
        addTime(part, now - since);
        return now;
    }

    public void addTime(ForwardPart part, long nanos) {
        partNanos.addAndGet(part.ordinal(), nanos);
    }

    /** The time of all parts so far. */
    public long partNanosTotal() {
        long sum = 0;
        for (int i = 0; i < partNanos.length(); i++) {
            sum += partNanos.get(i);
        }
        return sum;
    }

    /** One graph execution of {@code kernels} launches whose kernels touch {@code bytes} of device memory. */
    public void addGraphExecution(int kernels, long bytes) {
        graphExecutions.incrementAndGet();
        kernelLaunches.addAndGet(kernels);
        deviceBytes.addAndGet(bytes);
    }

    public long forwards() {
        return forwards.get();
    }

    /**
     * Device-to-device bytes: activations handed from one device to another inside a forward (a
     * pipeline's residual stream, rows to and from experts on other devices), each crossing counted once
     * per direction; through the host on TornadoVM devices, which also count them in the host transfers.
     */
    public long handoffBytes() {
        return handoffBytes.get();
    }

    public long hostToDeviceBytes() {
        return hostToDeviceBytes.get();
    }

    public long deviceToHostBytes() {
        return deviceToHostBytes.get();
    }

    public long graphExecutions() {
        return graphExecutions.get();
    }

    public long kernelLaunches() {
        return kernelLaunches.get();
    }

    public long deviceBytes() {
        return deviceBytes.get();
    }

    /** A copy of the current values, for differences before/after a step. */
    public Snapshot snapshot() {
        long[] parts = new long[partNanos.length()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = partNanos.get(i);
        }
        return new Snapshot(forwards(), handoffBytes(), hostToDeviceBytes(), deviceToHostBytes(), graphExecutions(),
                kernelLaunches(), deviceBytes(), parts);
    }

    /** @param partNanos nanoseconds per {@link ForwardPart}, indexed by ordinal (all 0 if not accounted) */
    public record Snapshot(long forwards, long handoffBytes, long hostToDeviceBytes, long deviceToHostBytes,
                           long graphExecutions, long kernelLaunches, long deviceBytes, long[] partNanos) {
        public Snapshot minus(Snapshot o) {
            long[] parts = new long[partNanos.length];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = partNanos[i] - o.partNanos[i];
            }
            return new Snapshot(forwards - o.forwards, handoffBytes - o.handoffBytes,
                    hostToDeviceBytes - o.hostToDeviceBytes, deviceToHostBytes - o.deviceToHostBytes,
                    graphExecutions - o.graphExecutions, kernelLaunches - o.kernelLaunches,
                    deviceBytes - o.deviceBytes, parts);
        }

        public long partNanos(ForwardPart part) {
            return partNanos[part.ordinal()];
        }
    }
}
