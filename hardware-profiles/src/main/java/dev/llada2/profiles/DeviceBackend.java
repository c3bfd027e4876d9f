package dev.llada2.profiles;

import java.util.Arrays;
import java.util.Optional;

/** The kind of compute backend a profile device runs on, as written in a profile's {@code backend} key. */
public enum DeviceBackend {
    /** Plain Java on host cores ({@code dev.llada2.backend.cpu}); always available. */
    CPU("cpu"),
    /** An OpenCL/PTX/SPIR-V device driven by TornadoVM; needs a TornadoVM SDK at run time. */
    TORNADO("tornado");

    private final String jsonName;

    DeviceBackend(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name used in profile files. */
    public String jsonName() {
        return jsonName;
    }

    public static Optional<DeviceBackend> parse(String name) {
        return Arrays.stream(values()).filter(b -> b.jsonName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return jsonName;
    }
}
