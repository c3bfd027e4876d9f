package dev.llada2.tornado;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.backend.KernelCheck;
import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend as the CLI sees it through {@link java.util.ServiceLoader}: found under the name
 * {@code tornado}, usable, listing TornadoVM's devices with their memory, running the kernel
 * self-test on a chosen device (the second PoCL device, so device selection is exercised too).
 */
class TornadoBackendProviderTest {

    private static BackendProvider provider() {
        return Backends.find("tornado").orElseThrow(() -> new AssertionError("ServiceLoader did not find the"
                + " tornado backend; providers: " + Backends.all().stream().map(BackendProvider::name).toList()));
    }

    @Test
    void registeredAndUsable() {
        assertInstanceOf(TornadoBackendProvider.class, provider());
        assertEquals("tornado", provider().name());
        assertTrue(provider().unavailableReason().isEmpty(), () -> provider().unavailableReason().orElseThrow());
    }

    @Test
    void listsTornadoDevices() {
        List<DeviceInfo> devices = provider().devices();
        assertFalse(devices.isEmpty());
        DeviceInfo first = devices.getFirst();
        assertEquals(new DeviceId("tornado", 0, 0), first.id());
        assertTrue(first.globalMemory() > 0 && first.maxAllocation() > 0 && first.maxAllocation() <= first.globalMemory(),
                first.toString());
        assertFalse(first.name().isBlank());
    }

    @Test
    void selfTestPassesOnTheLastDevice() {
        DeviceId last = provider().devices().getLast().id();
        List<KernelCheck> rows = provider().selfTest(last);
        assertTrue(rows.size() >= 20, "rows: " + rows.size());
        String failed = rows.stream().filter(r -> !r.passed()).map(r -> r.kernel() + ": " + r.maxError() + " > "
                + r.tolerance() + " (" + r.detail() + ")").collect(Collectors.joining("\n"));
        assertTrue(failed.isEmpty(), "on " + last + ":\n" + failed);
    }

    @Test
    void unknownDeviceIsAnInputError() {
        LladaException e = assertThrows(LladaException.class, () -> provider().selfTest(DeviceId.parse("tornado:9:9")));
        assertEquals(LladaException.Kind.INPUT, e.kind());
    }
}
