package dev.llada2.profiles;

import dev.llada2.backend.DeviceId;
import dev.llada2.config.ConfigPresets;
import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CPU device measurement on small sizes (the figures themselves depend on the machine).
 * Run alone: {@code mvn -q test -pl hardware-profiles -Dtest=DeviceProfilerTest}.
 */
class DeviceProfilerTest {

    static DeviceMeasurement measureTiny() {
        return DeviceProfiler.measure(DeviceId.CPU, 1, ConfigPresets.load("tiny"),
                new DeviceProfiler.Settings(8 << 20, 2));
    }

    @Test
    void measuresBandwidthAndTheModelsBlockShapesOnACpuDevice() {
        DeviceMeasurement m = measureTiny();
        assertTrue(m.bandwidthGbps() > 0.1, "bandwidth " + m.bandwidthGbps());
        assertEquals(2, m.matmuls().size());
        DeviceMeasurement.MatMulRate expert = m.matmuls().get(0);
        assertEquals(32, expert.rows()); // tiny: moe_intermediate 32 x hidden 64
        assertEquals(64, expert.cols());
        assertEquals(DeviceProfiler.BLOCK_TOKENS, expert.tokens());
        assertEquals(64, m.matmuls().get(1).rows());
        assertTrue(m.matmulGflops() > 0);
        assertTrue(m.transferGbps().isEmpty());
        assertTrue(m.describe().contains("host<->device transfer: not applicable"), m.describe());
    }

    @Test
    void aTornadoDeviceNeedsTheTornadoBackend() {
        LladaException e = assertThrows(LladaException.class,
                () -> DeviceProfiler.measure("tornado:0:1", ConfigPresets.load("tiny")));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertTrue(e.getMessage().startsWith("measuring tornado:0:1, but the TornadoVM backend is not available"),
                e.getMessage());
    }

    @Test
    void aBadSelectorIsAnInputError() {
        LladaException e = assertThrows(LladaException.class,
                () -> DeviceProfiler.measure("gpu0", ConfigPresets.load("tiny")));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("device \"gpu0\" is not valid: write cpu or tornado:B:D"), e.getMessage());
    }
}
