package dev.llada2.backend.cpu;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.DeviceAssignment;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.Placement;
import dev.llada2.weights.LLaDA2Weights;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The built-in CPU engine: always available, one device with every core, or (for a multi-device
 * placement) several {@link CpuDevice}s of the host, each with its own threads.
 */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public List<DeviceInfo> devices() {
        long ram = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        String name = Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version().feature()
                + " Vector API (" + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)";
        return List.of(new DeviceInfo(DeviceId.CPU, name, "CPU", ram, Runtime.getRuntime().maxMemory(), false));
    }

    @Override
    public Engine createEngine(LLaDA2Weights weights, DeviceId device) {
        requireCpu(device);
        return CpuEngine.singleDevice(weights);
    }

    /**
     * A {@link CpuEngine} with one {@link CpuDevice} per entry (named after it, with its threads or every
     * core), executing {@code placement}; the engine owns and closes the devices.
     */
    @Override
    public Engine createEngine(LLaDA2Weights weights, List<DeviceAssignment> devices, Placement placement) {
        devices.forEach(d -> requireCpu(d.id()));
        List<CpuDevice> cpus = new ArrayList<>();
        try {
            for (DeviceAssignment d : devices) {
                cpus.add(new CpuDevice(d.name(), d.threads().orElse(Runtime.getRuntime().availableProcessors())));
            }
            return new CpuEngine(weights, cpus, placement, true);
        } catch (RuntimeException e) {
            cpus.forEach(CpuDevice::close);
            throw e;
        }
    }

    /** {@link CpuDeviceProfiler} with every core and its default settings. */
    @Override
    public DeviceMeasurement measure(DeviceId device, LLaDA2Config shapes) {
        requireCpu(device);
        return CpuDeviceProfiler.measure(Runtime.getRuntime().availableProcessors(), shapes,
                CpuDeviceProfiler.Settings.defaults());
    }

    private static void requireCpu(DeviceId device) {
        if (!device.isCpu()) {
            throw LladaException.runtime("the cpu backend runs only cpu devices, not " + device);
        }
    }
}
