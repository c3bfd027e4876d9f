package dev.llada2.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters an engine keeps: forwards run, bytes handed over between devices (activations crossing
 * a device boundary inside a forward) and bytes moved between host and accelerator; for engines that
 * run task graphs on an accelerator also graph executions (each ends in a host synchronisation),
 * kernel launches and the device-memory bytes their kernels are given (the engine documents how it
 * counts them; engines without graphs leave these at 0).
 */
public final class EngineStats {

    private final AtomicLong forwards = new AtomicLong();
    private final AtomicLong handoffBytes = new AtomicLong();
    private final AtomicLong hostToDeviceBytes = new AtomicLong();
    private final AtomicLong deviceToHostBytes = new AtomicLong();
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

    /** One graph execution of {@code kernels} launches whose kernels touch {@code bytes} of device memory. */
    public void addGraphExecution(int kernels, long bytes) {
        graphExecutions.incrementAndGet();
        kernelLaunches.addAndGet(kernels);
        deviceBytes.addAndGet(bytes);
    }

    public long forwards() {
        return forwards.get();
    }

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
        return new Snapshot(forwards(), handoffBytes(), hostToDeviceBytes(), deviceToHostBytes(), graphExecutions(),
                kernelLaunches(), deviceBytes());
    }

    public record Snapshot(long forwards, long handoffBytes, long hostToDeviceBytes, long deviceToHostBytes,
                           long graphExecutions, long kernelLaunches, long deviceBytes) {
        public Snapshot minus(Snapshot o) {
            return new Snapshot(forwards - o.forwards, handoffBytes - o.handoffBytes,
                    hostToDeviceBytes - o.hostToDeviceBytes, deviceToHostBytes - o.deviceToHostBytes,
                    graphExecutions - o.graphExecutions, kernelLaunches - o.kernelLaunches,
                    deviceBytes - o.deviceBytes);
        }
    }
}
