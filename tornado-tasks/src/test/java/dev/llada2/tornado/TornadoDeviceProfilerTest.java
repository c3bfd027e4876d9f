package dev.llada2.tornado;

import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.backend.cpu.CpuDeviceProfiler;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.DeviceSpec;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measurement of the test device ({@code tornado:0:0}) on small sizes (a 1 MiB array, the tiny model's
 * shapes; the figures themselves depend on the machine): sane figures, the CPU's matmul shapes, and a
 * profile written from them. Run alone: {@code mvn -B $LLADA2_MVN_TORNADO test -pl tornado-tasks
 * -Dtest=TornadoDeviceProfilerTest}.
 */
class TornadoDeviceProfilerTest {

    private static final LLaDA2Config TINY = ConfigPresets.load("tiny");
    private static DeviceMeasurement measured;

    @BeforeAll
    static void measure() {
        measured = TornadoDeviceProfiler.measure(TestEngines.device(), TINY,
                new TornadoDeviceProfiler.Settings(1 << 20, 2));
    }

    @Test
    void figuresArePositiveAndFinite() {
        assertEquals(TestEngines.device(), measured.device());
        assertEquals(0, measured.threads());
        assertSane("bandwidth", measured.bandwidthGbps());
        assertSane("transfer", measured.transferGbps().orElseThrow());
        assertEquals(TornadoDevices.info(TestEngines.device()).globalMemory() / 1e9, measured.memoryGb().orElseThrow());
        for (DeviceMeasurement.MatMulRate r : measured.matmuls()) {
            assertSane(r.weight(), r.gflops());
        }
        String text = measured.describe();
        assertFalse(text.contains("threads"), text);
        assertContains(text, "GB memory)", "host->device transfer: ", "expert [moe_intermediate x hidden] 32x64 BF16");
    }

    @Test
    void matmulShapesAndLabelsAreTheCpus() {
        DeviceMeasurement cpu = CpuDeviceProfiler.measure(1, TINY, new CpuDeviceProfiler.Settings(1 << 20, 1));
        assertEquals(shapes(cpu), shapes(measured));
        assertEquals(2, measured.matmuls().size());
    }

    @Test
    void profileWriterWritesTheTornadoFigures(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pocl-rig.json");
        String json = ProfileWriter.write(file, measured.device().toString(), measured);
        assertContains(json, "\"transfer_gbps\"", "\"memory_gb\"", "\"backend\" : \"tornado\"");
        DeviceSpec d = ProfileLoader.load(file).devices().getFirst();
        assertEquals("gpu0", d.id());
        assertEquals(measured.device(), d.selector());
        assertWritten(measured.bandwidthGbps(), d.bandwidthGbps());
        assertWritten(measured.matmulGflops(), d.matmulGflops());
        assertWritten(measured.transferGbps().orElseThrow(), d.transferGbps());
        assertWritten(measured.memoryGb().orElseThrow(), d.memoryGb());

        DeviceMeasurement faster = new DeviceMeasurement(measured.device(), 0, 2 * measured.bandwidthGbps(),
                measured.matmuls(), OptionalDouble.of(123), measured.memoryGb());
        ProfileWriter.write(file, measured.device().toString(), faster);
        DeviceSpec updated = ProfileLoader.load(file).devices().getFirst();
        assertEquals(123.0, updated.transferGbps().orElseThrow());
        assertWritten(faster.bandwidthGbps(), updated.bandwidthGbps());
        assertTrue(Files.readString(file).contains("\"selector\" : \"" + measured.device() + "\""));
    }

    @Test
    void anUnknownDeviceIsAnInputErrorThroughTheBackend() {
        LladaException e = assertThrows(LladaException.class,
                () -> Backends.require("tornado").measure(DeviceId.parse("tornado:0:99"), TINY));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertContains(e.getMessage(), "TornadoVM device tornado:0:99 does not exist");
    }

    private static List<String> shapes(DeviceMeasurement m) {
        return m.matmuls().stream().map(r -> r.weight() + " " + r.rows() + "x" + r.cols() + " " + r.dtype() + " x "
                + r.tokens()).toList();
    }

    private static void assertSane(String what, double value) {
        assertTrue(value > 0 && Double.isFinite(value), what + ": " + value);
    }

    /** ProfileWriter keeps three significant digits. */
    private static void assertWritten(double want, OptionalDouble written) {
        assertEquals(want, written.orElseThrow(), want * 5e-3);
    }
}
