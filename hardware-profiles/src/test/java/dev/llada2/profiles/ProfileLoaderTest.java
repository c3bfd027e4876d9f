package dev.llada2.profiles;

import dev.llada2.backend.DeviceId;
import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding profiles by bundled name or path, and what a loaded profile holds. The error cases are in
 * {@code fit.MalformedProfileTest}. Run alone: {@code mvn -q test -pl hardware-profiles -Dtest=ProfileLoaderTest}.
 */
class ProfileLoaderTest {

    @Test
    void aFileIsLoadedByPathAndNamedInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rig.json");
        Files.writeString(file, BundledProfiles.json("cpu2-expert-parallel"));
        HardwareProfile p = ProfileLoader.load(file.toString());
        assertEquals(file.toString(), p.source());
        assertEquals(new ExpertSplit.Even(java.util.List.of("cpu0", "cpu1"), "$.placement.experts.split"),
                p.placement().experts().orElseThrow());
        Files.writeString(file, "{\"name\": \"x\", \"devices\": [], }");
        LladaException e = assertThrows(LladaException.class, () -> ProfileLoader.load(file));
        assertTrue(e.getMessage().startsWith(file + ": malformed JSON"), e.getMessage());
    }

    @Test
    void anUnknownNameListsTheBundledProfiles() {
        LladaException e = assertThrows(LladaException.class, () -> ProfileLoader.load("gpu2x40"));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertTrue(e.getMessage().contains("profile \"gpu2x40\": no bundled profile of that name and no such file"
                + " (bundled: cpu, cpu2-layer-split"), e.getMessage());
    }

    @Test
    void devicesKeepTheirOrderAndDefaults() {
        HardwareProfile p = ProfileLoader.load("gpu1-cpu-experts");
        assertEquals(0, p.indexOf("gpu0").orElseThrow());
        assertEquals(1, p.indexOf("cpu").orElseThrow());
        assertEquals(new DeviceId("tornado", 0, 0), p.devices().get(0).selector());
        assertEquals(DeviceId.CPU, p.devices().get(1).selector());
        assertTrue(p.devices().get(1).threads().isEmpty());
        assertEquals(256, p.devices().get(1).memoryGb().getAsDouble());
        assertEquals(1, p.cpuDeviceCount());
        assertTrue(!p.cpuOnly());
        assertEquals(new ExpertOffload("cpu", new ExpertOffload.Fraction(1.0), "$.placement.expert_offload"),
                p.placement().expertOffload().orElseThrow());
    }
}
