package dev.llada2.profiles;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A rig: its devices in priority order (index = the device's index in a
 * {@link dev.llada2.runtime.Placement}) and the placement policy. Model-independent: the
 * {@link dev.llada2.profiles.fit.Planner} resolves it against a model config. The JSON schema is
 * documented in {@code hardware-profiles/README.md}; {@link ProfileLoader} reads it.
 *
 * @param name        short name (bundled profiles: the resource name)
 * @param description one line for humans
 * @param devices     at least one, unique ids
 * @param placement   placement policy; every device id it mentions must be in {@code devices}
 * @param source      where the profile came from (file path or "bundled profile NAME"), for messages
 */
public record HardwareProfile(String name, String description, List<DeviceSpec> devices, PlacementSpec placement,
                              String source) {

    /** @throws IllegalArgumentException with the JSON path of the offending entry */
    public HardwareProfile {
        devices = List.copyOf(devices);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("$.name: expected a non-empty string, found "
                    + (name == null ? "nothing" : "\"" + name + "\""));
        }
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("$.devices: expected at least one device, found none");
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < devices.size(); i++) {
            Integer before = index.putIfAbsent(devices.get(i).id(), i);
            if (before != null) {
                throw new IllegalArgumentException("$.devices[" + i + "].id: duplicate device id \""
                        + devices.get(i).id() + "\" (also $.devices[" + before + "].id)");
            }
        }
        for (DeviceRef ref : placement.deviceReferences()) {
            if (!index.containsKey(ref.device())) {
                throw new IllegalArgumentException(ref.jsonPath() + ": unknown device \"" + ref.device()
                        + "\" (this profile's devices: " + ids(devices) + ")");
            }
        }
    }

    private static String ids(List<DeviceSpec> devices) {
        return devices.stream().map(DeviceSpec::id).collect(Collectors.joining(", "));
    }

    /** Index of the device called {@code id}, if any. */
    public Optional<Integer> indexOf(String id) {
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i).id().equals(id)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** Whether every device is a CPU device (runnable without TornadoVM). */
    public boolean cpuOnly() {
        return devices.stream().allMatch(DeviceSpec::isCpu);
    }

    /** Number of CPU devices (they share the host's cores and memory by default). */
    public int cpuDeviceCount() {
        return (int) devices.stream().filter(DeviceSpec::isCpu).count();
    }
}
