package dev.llada2.profiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.errors.LladaException;
import dev.llada2.io.AtomicFile;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes measured figures ({@code bandwidth_gbps}, {@code matmul_gflops}, and {@code transfer_gbps}
 * where there is a link) into profile JSON: a new one-device profile, or an existing profile edited
 * in place (other keys and their order are kept). The result is always re-read with
 * {@link ProfileLoader} before it is returned, so a written profile is a valid profile. The
 * {@link DeviceMeasurement} comes from the device's backend:
 * {@code Backends.require(id.backend()).measure(id, config)}.
 */
public final class ProfileWriter {

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private ProfileWriter() {
    }

    /**
     * A profile named {@code name} with one device holding the measurement: id "cpu" (threads and
     * memory left to their defaults: all cores, the host's memory) or "gpu0" for a TornadoVM device
     * (with the memory the backend reported).
     */
    public static String newProfile(String name, DeviceMeasurement m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", name);
        root.put("description", "Measured with llada2 profile on " + m.device() + ".");
        ObjectNode device = root.putArray("devices").addObject();
        device.put("id", m.device().isCpu() ? "cpu" : "gpu0");
        device.put("backend", m.device().backend());
        device.put("selector", m.device().toString());
        m.memoryGb().ifPresent(gb -> device.put("memory_gb", round(gb)));
        setMeasurement(device, m);
        return checked(root, "new profile " + name);
    }

    /**
     * {@code json} with the measurement written into every device whose {@code id} or
     * {@code selector} equals {@code device}.
     *
     * @throws LladaException (input) when no device matches
     */
    public static String update(String json, String source, String device, DeviceMeasurement m) {
        HardwareProfile profile = ProfileLoader.parse(json, source); // only valid profiles are edited
        JsonNode root = ProfileLoader.tree(json, source);
        int updated = 0;
        for (int i = 0; i < profile.devices().size(); i++) {
            DeviceSpec d = profile.devices().get(i);
            if (device.equals(d.id()) || device.equals(d.selector().toString())) {
                setMeasurement((ObjectNode) root.get("devices").get(i), m);
                updated++;
            }
        }
        if (updated == 0) {
            throw LladaException.input(source + ": $.devices: no device with id or selector \"" + device
                    + "\" to write the measurement to");
        }
        return checked(root, source);
    }

    /**
     * Creates {@code file} (a one-device profile named after it) or updates it, and returns the text written.
     *
     * @param device device id or selector to update when the file exists
     */
    public static String write(Path file, String device, DeviceMeasurement m) {
        String text;
        try {
            text = Files.exists(file) ? update(Files.readString(file), file.toString(), device, m)
                    : newProfile(file.getFileName().toString().replaceFirst("\\.json$", ""), m);
        } catch (IOException e) {
            throw LladaException.input("cannot read the profile " + IoErrors.describe(file, e), e);
        }
        AtomicFile.writeString(file, text);
        return text;
    }

    private static void setMeasurement(ObjectNode device, DeviceMeasurement m) {
        device.put("bandwidth_gbps", round(m.bandwidthGbps()));
        device.put("matmul_gflops", round(m.matmulGflops()));
        m.transferGbps().ifPresent(t -> device.put("transfer_gbps", round(t)));
    }

    /** Three significant digits: measurements are not more precise than that. */
    private static double round(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).doubleValue();
    }

    private static String checked(JsonNode root, String source) {
        try {
            String text = JSON.writeValueAsString(root) + "\n";
            ProfileLoader.parse(text, source);
            return text;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a profile", e);
        }
    }
}
