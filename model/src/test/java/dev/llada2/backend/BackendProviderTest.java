package dev.llada2.backend;

import dev.llada2.backend.cpu.CpuBackendProvider;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.Placement;
import dev.llada2.testing.SharedData;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The multi-device and measurement methods of the backend SPI: their defaults (a backend that runs
 * one device) and the CPU backend's placements. Run alone:
 * {@code mvn -q test -pl model -Dtest=BackendProviderTest}.
 */
class BackendProviderTest {

    static final DeviceId GPU = DeviceId.parse("tornado:0:1");

    static LoadedModel tiny;

    @BeforeAll
    static void open() {
        tiny = LoadedModel.open(SharedData.model("tiny"));
    }

    @AfterAll
    static void close() {
        tiny.close();
    }

    /** A backend that implements only the single-device method. */
    static final class SingleDeviceBackend implements BackendProvider {
        DeviceId built;

        @Override
        public String name() {
            return "tornado";
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public List<DeviceInfo> devices() {
            return List.of();
        }

        @Override
        public Engine createEngine(LLaDA2Weights weights, DeviceId device) {
            built = device;
            return CpuEngine.singleDevice(weights);
        }
    }

    static Placement overTwoDevices() {
        Placement one = Placement.singleDevice(tiny.config());
        return new Placement(2, 0, 1, one.layerDevice(), one.expertDevice());
    }

    static DeviceAssignment cpu(String name, int threads) {
        return new DeviceAssignment(DeviceId.CPU, name, OptionalInt.of(threads));
    }

    @Test
    void byDefaultASingleDevicePlacementRunsOnTheSingleDeviceEngine() {
        SingleDeviceBackend backend = new SingleDeviceBackend();
        try (Engine e = backend.createEngine(tiny.weights(),
                List.of(new DeviceAssignment(GPU, "gpu0", OptionalInt.empty())), Placement.singleDevice(tiny.config()))) {
            assertEquals(GPU, backend.built);
        }
    }

    @Test
    void byDefaultAMultiDevicePlacementIsRefusedNamingItsDevices() {
        LladaException e = assertThrows(LladaException.class, () -> new SingleDeviceBackend().createEngine(
                tiny.weights(), List.of(new DeviceAssignment(GPU, "gpu0", OptionalInt.empty()), cpu("host", 2)),
                overTwoDevices()));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertEquals("the tornado backend runs only single-device placements, not one over 2 devices:"
                + " gpu0 (tornado:0:1), host (cpu)", e.getMessage());
    }

    @Test
    void byDefaultMeasuringIsNotSupported() {
        LladaException e = assertThrows(LladaException.class,
                () -> new SingleDeviceBackend().measure(GPU, tiny.config()));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertEquals("measuring tornado:0:1 is not supported by the tornado backend", e.getMessage());
    }

    @Test
    void theCpuBackendGivesEachDeviceItsThreads() {
        try (Engine e = new CpuBackendProvider().createEngine(tiny.weights(), List.of(cpu("a", 1),
                new DeviceAssignment(DeviceId.CPU, "b", OptionalInt.empty())), overTwoDevices())) {
            assertEquals("cpu engine on 2 devices [a (1 threads), b (" + Runtime.getRuntime().availableProcessors()
                    + " threads)]", e.describe());
        }
    }

    @Test
    void theCpuBackendRunsOnlyCpuDevices() {
        LladaException e = assertThrows(LladaException.class, () -> new CpuBackendProvider().createEngine(
                tiny.weights(), List.of(cpu("host", 1), new DeviceAssignment(GPU, "gpu0", OptionalInt.empty())),
                overTwoDevices()));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertEquals("the cpu backend runs only cpu devices, not tornado:0:1", e.getMessage());
    }
}
