package dev.llada2.backend;

import dev.llada2.errors.LladaException;

import java.util.List;

/**
 * A device, written {@code cpu} or {@code tornado:B:D} (TornadoVM backend index B, device index D,
 * as TornadoVM numbers them). The CLI's {@code --device} and the hardware profiles use this syntax.
 */
public record DeviceId(String backend, int backendIndex, int deviceIndex) {

    public static final DeviceId CPU = new DeviceId("cpu", 0, 0);

    /** The backends a device id can name, i.e. the values of {@link #backend()}. */
    public static final List<String> BACKENDS = List.of("cpu", "tornado");

    public static DeviceId parse(String text) {
        String t = text.trim();
        if (t.equals("cpu")) {
            return CPU;
        }
        String[] parts = t.split(":", -1);
        if (parts.length == 3 && parts[0].equals("tornado")) {
            try {
                int b = Integer.parseInt(parts[1]);
                int d = Integer.parseInt(parts[2]);
                if (b >= 0 && d >= 0) {
                    return new DeviceId("tornado", b, d);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw LladaException.input("device \"" + text + "\" is not valid: write cpu or tornado:B:D"
                + " (TornadoVM backend index B, device index D; `llada2 devices` lists them)");
    }

    public boolean isCpu() {
        return backend.equals("cpu");
    }

    @Override
    public String toString() {
        return isCpu() ? "cpu" : backend + ":" + backendIndex + ":" + deviceIndex;
    }
}
