package dev.llada2.backend.cpu;

import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.config.ConfigPresets;
import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CPU device measurement on small sizes (the figures themselves depend on the machine).
 * Run alone: {@code mvn -q test -pl model -Dtest=CpuDeviceProfilerTest}.
 */
class CpuDeviceProfilerTest {

    static DeviceMeasurement measureTiny() {
        return CpuDeviceProfiler.measure(1, ConfigPresets.load("tiny"), new CpuDeviceProfiler.Settings(8 << 20, 2));
    }

    @Test
    void measuresBandwidthAndTheModelsBlockShapesOnACpuDevice() {
        DeviceMeasurement m = measureTiny();
        assertEquals(DeviceId.CPU, m.device());
        assertTrue(m.bandwidthGbps() > 0.1, "bandwidth " + m.bandwidthGbps());
        assertEquals(2, m.matmuls().size());
        DeviceMeasurement.MatMulRate expert = m.matmuls().get(0);
        assertEquals(32, expert.rows()); // tiny: moe_intermediate 32 x hidden 64
        assertEquals(64, expert.cols());
        assertEquals(DeviceMeasurement.BLOCK_TOKENS, expert.tokens());
        assertEquals(64, m.matmuls().get(1).rows());
        assertTrue(m.matmulGflops() > 0);
        assertTrue(m.transferGbps().isEmpty());
        assertTrue(m.describe().contains("host->device transfer: not applicable"), m.describe());
    }

    @Test
    void aTornadoDeviceNeedsTheTornadoBackend() {
        DeviceId id = DeviceId.parse("tornado:0:1");
        LladaException e = assertThrows(LladaException.class,
                () -> Backends.require(id.backend()).measure(id, ConfigPresets.load("tiny")));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertEquals(Backends.TORNADO_HELP, e.getMessage());
    }

    @Test
    void theCpuBackendMeasuresOnlyTheCpu() {
        LladaException e = assertThrows(LladaException.class,
                () -> new CpuBackendProvider().measure(DeviceId.parse("tornado:0:1"), ConfigPresets.load("tiny")));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertEquals("the cpu backend runs only cpu devices, not tornado:0:1", e.getMessage());
    }

    @Test
    void aBadSelectorIsAnInputError() {
        LladaException e = assertThrows(LladaException.class, () -> DeviceId.parse("gpu0"));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("device \"gpu0\" is not valid: write cpu or tornado:B:D"), e.getMessage());
    }
}
