package dev.llada2.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters an engine keeps: forwards run, bytes handed over between devices (activations crossing
 * a device boundary inside a forward) and bytes moved between host and accelerator.
 */
public final class EngineStats {

    private final AtomicLong forwards = new AtomicLong();
    private final AtomicLong handoffBytes = new AtomicLong();
    private final AtomicLong hostToDeviceBytes = new AtomicLong();
    private final AtomicLong deviceToHostBytes = new AtomicLong();

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

    /** A copy of the current values, for differences before/after a step. */
    public Snapshot snapshot() {
        return new Snapshot(forwards(), handoffBytes(), hostToDeviceBytes(), deviceToHostBytes());
    }

    public record Snapshot(long forwards, long handoffBytes, long hostToDeviceBytes, long deviceToHostBytes) {
        public Snapshot minus(Snapshot o) {
            return new Snapshot(forwards - o.forwards, handoffBytes - o.handoffBytes,
                    hostToDeviceBytes - o.hostToDeviceBytes, deviceToHostBytes - o.deviceToHostBytes);
        }
    }
}
