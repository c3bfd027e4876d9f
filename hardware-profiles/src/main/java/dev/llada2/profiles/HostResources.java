package dev.llada2.profiles;

import java.lang.management.ManagementFactory;

/**
 * What the host offers CPU devices whose profile entry leaves {@code threads} or {@code memory_gb}
 * out: they share the cores and the physical memory evenly.
 *
 * @param cores       processors available to the JVM
 * @param memoryBytes physical memory of the machine
 */
public record HostResources(int cores, long memoryBytes) {

    public HostResources {
        if (cores < 1 || memoryBytes < 1) {
            throw new IllegalArgumentException("host resources must be positive, got " + cores + " cores, "
                    + memoryBytes + " bytes");
        }
    }

    /** This machine. */
    public static HostResources detect() {
        long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : Runtime.getRuntime().maxMemory();
        return new HostResources(Runtime.getRuntime().availableProcessors(), memory);
    }

    /** Default threads of each of {@code cpuDevices} CPU devices: the cores shared evenly, at least one. */
    public int threadsPerCpuDevice(int cpuDevices) {
        return Math.max(1, cores / Math.max(1, cpuDevices));
    }

    /** Default memory budget of each of {@code cpuDevices} CPU devices: physical memory shared evenly. */
    public long memoryPerCpuDevice(int cpuDevices) {
        return memoryBytes / Math.max(1, cpuDevices);
    }
}
