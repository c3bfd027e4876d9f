package dev.llada2.backend;

/**
 * What a backend reports about one of its devices.
 *
 * @param globalMemory  bytes of device memory (host RAM for the CPU)
 * @param maxAllocation largest single buffer in bytes
 * @param accelerator   true for GPUs and other accelerators, false for CPU-like devices (PoCL)
 */
public record DeviceInfo(DeviceId id, String name, String kind, long globalMemory, long maxAllocation,
                         boolean accelerator) {
}
