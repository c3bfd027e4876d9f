package dev.llada2.profiles;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measurements written into new and existing profiles. Run alone:
 * {@code mvn -q test -pl hardware-profiles -Dtest=ProfileWriterTest}.
 */
class ProfileWriterTest {

    static final DeviceMeasurement CPU = new DeviceMeasurement(DeviceId.CPU, 2, 12.3456,
            List.of(new DeviceMeasurement.MatMulRate("[hidden x hidden]", 64, 64, 32, "BF16", 7.891)),
            OptionalDouble.empty(), OptionalDouble.empty());

    @Test
    void newProfileHoldsOneMeasuredDevice() {
        HardwareProfile p = ProfileLoader.parse(ProfileWriter.newProfile("box", CPU), "box.json");
        assertEquals("box", p.name());
        DeviceSpec d = p.devices().getFirst();
        assertEquals("cpu", d.id());
        assertEquals(12.3, d.bandwidthGbps().getAsDouble());
        assertEquals(7.89, d.matmulGflops().getAsDouble());
        assertTrue(d.memoryGb().isEmpty(), "a CPU device keeps the host-memory default");
    }

    @Test
    void updateBySelectorWritesEveryMatchingDeviceAndKeepsTheRest() {
        String json = BundledProfiles.json("cpu2-layer-split");
        String updated = ProfileWriter.update(json, "x.json", "cpu", CPU);
        HardwareProfile p = ProfileLoader.parse(updated, "x.json");
        assertEquals(BundledProfiles.load("cpu2-layer-split").placement(), p.placement());
        for (DeviceSpec d : p.devices()) {
            assertEquals(12.3, d.bandwidthGbps().getAsDouble());
        }
        assertTrue(updated.indexOf("\"name\"") < updated.indexOf("\"devices\""), "key order kept");
    }

    @Test
    void updateByIdWritesThatDeviceOnly() {
        HardwareProfile p = ProfileLoader.parse(ProfileWriter.update(BundledProfiles.json("cpu2-rules"), "x.json",
                "cpu1", CPU), "x.json");
        assertTrue(p.devices().get(0).bandwidthGbps().isEmpty());
        assertEquals(7.89, p.devices().get(1).matmulGflops().getAsDouble());
    }

    @Test
    void updateOfAnUnknownDeviceFails() {
        LladaException e = assertThrows(LladaException.class,
                () -> ProfileWriter.update(BundledProfiles.json("cpu"), "x.json", "gpu3", CPU));
        assertTrue(e.getMessage().contains("x.json: $.devices: no device with id or selector \"gpu3\""), e.getMessage());
    }

    @Test
    void writeCreatesThenUpdatesAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rig.json");
        ProfileWriter.write(file, "cpu", CPU);
        assertEquals("rig", ProfileLoader.load(file).name());
        DeviceMeasurement faster = new DeviceMeasurement(DeviceId.CPU, 2, 20, CPU.matmuls(),
                OptionalDouble.empty(), OptionalDouble.empty());
        ProfileWriter.write(file, "cpu", faster);
        assertEquals(20.0, ProfileLoader.load(file.toString()).devices().getFirst().bandwidthGbps().getAsDouble());
        assertTrue(Files.readString(file).endsWith("\n"));
    }
}
