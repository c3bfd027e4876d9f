package dev.llada2.tornado;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.errors.LladaException;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * TornadoVM's backends and devices as the project names them: {@code tornado:B:D} is device D of
 * backend B in TornadoVM's own numbering ({@code TornadoExecutionPlan.getDevice(B, D)}).
 */
public final class TornadoDevices {

    private TornadoDevices() {
    }

    public static List<DeviceInfo> list() {
        List<DeviceInfo> out = new ArrayList<>();
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        for (int b = 0; b < backends.size(); b++) {
            TornadoBackend backend = backends.get(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                out.add(info(new DeviceId("tornado", b, d), backend.getDevice(d), backend.getName()));
            }
        }
        return out;
    }

    /** The device of an id, or a clear error listing the devices that exist. */
    public static TornadoDevice resolve(DeviceId id) {
        if (!"tornado".equals(id.backend())) {
            throw LladaException.input("device " + id + " is not a TornadoVM device (write tornado:B:D)");
        }
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        if (id.backendIndex() >= backends.size()
                || id.deviceIndex() >= backends.get(id.backendIndex()).getNumDevices()) {
            String known = list().stream().map(i -> i.id() + " (" + i.name() + ")").collect(Collectors.joining(", "));
            throw LladaException.input("TornadoVM device " + id + " does not exist; TornadoVM reports "
                    + (known.isEmpty() ? "no device" : known) + " (`llada2 devices` lists them)");
        }
        return backends.get(id.backendIndex()).getDevice(id.deviceIndex());
    }

    public static DeviceInfo info(DeviceId id) {
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        return info(id, resolve(id), backends.get(id.backendIndex()).getName());
    }

    private static DeviceInfo info(DeviceId id, TornadoDevice device, String backend) {
        TornadoDeviceType type = device.getDeviceType();
        boolean accelerator = type == TornadoDeviceType.GPU || type == TornadoDeviceType.ACCELERATOR
                || type == TornadoDeviceType.FPGA;
        String name = device.getPhysicalDevice().getDeviceName() + " (" + backend + ", " + device.getPlatformName()
                .trim() + ")";
        return new DeviceInfo(id, name, type.name().toLowerCase(Locale.ROOT), device.getMaxGlobalMemory(),
                device.getMaxAllocMemory(), accelerator);
    }

    /**
     * Bytes TornadoVM lets the engine allocate on a device: its global memory, capped by TornadoVM's
     * {@code -Dtornado.device.memory} (default 4GB), which is read once at JVM start.
     */
    public static long usableMemory(DeviceInfo device) {
        return Math.min(device.globalMemory(), memoryCap());
    }

    /** TornadoVM's device-memory cap as configured for this JVM. */
    public static long memoryCap() {
        return parseSize(System.getProperty("tornado.device.memory", "4GB"));
    }

    /** TornadoVM's size syntax: a number with an optional K/M/G/T suffix and B (binary units). */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (!t.endsWith("B")) {
            return Long.parseLong(t);
        }
        int prefix = "KMGTPE".indexOf(t.charAt(t.length() - 2));
        if (prefix < 0) {
            return Long.parseLong(t.substring(0, t.length() - 1));
        }
        return Long.parseLong(t.substring(0, t.length() - 2)) << (10 * (prefix + 1));
    }
}
