package dev.llada2.backend.cpu;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LLaDA2Weights;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Optional;

/** The built-in CPU engine: always available, one device with every core. */
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
        return CpuEngine.singleDevice(weights);
    }
}
