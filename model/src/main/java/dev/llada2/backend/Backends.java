package dev.llada2.backend;

import dev.llada2.errors.LladaException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The backends on the class path, and the rule that {@code --backend auto} follows. */
public final class Backends {

    /** Message for a TornadoVM request that cannot be served. */
    public static final String TORNADO_HELP = "TornadoVM is not available. Install a TornadoVM SDK (JDK 25 build,"
            + " e.g. 5.2.0-jdk25) with an OpenCL or PTX backend, set TORNADOVM_HOME to it (or install it at"
            + " /opt/tornadovm), and start llada2 with ./llada2, which adds TornadoVM's JVM arguments and builds"
            + " the TornadoVM module; see README, \"TornadoVM\".";

    private Backends() {
    }

    public static List<BackendProvider> all() {
        List<BackendProvider> out = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(out::add);
        return out;
    }

    public static Optional<BackendProvider> find(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The named backend, usable, or a clear error. */
    public static BackendProvider require(String name) {
        BackendProvider p = find(name).orElseThrow(() -> name.equals("tornado")
                ? LladaException.runtime(TORNADO_HELP)
                : LladaException.input("unknown backend \"" + name + "\" (cpu, tornado or auto)"));
        p.unavailableReason().ifPresent(r -> {
            throw LladaException.runtime("backend " + name + " is not usable: " + r);
        });
        return p;
    }

    /**
     * The choice of {@code --backend auto}: the first TornadoVM accelerator (a GPU or similar) when
     * TornadoVM is present; otherwise the CPU engine, which on a CPU beats an OpenCL CPU device.
     *
     * @return the device and a sentence saying why it was chosen
     */
    public static Choice auto() {
        Optional<BackendProvider> tornado = find("tornado");
        if (tornado.isEmpty()) {
            return new Choice(DeviceId.CPU, "TornadoVM is not on this installation; using the CPU engine");
        }
        Optional<String> reason = tornado.get().unavailableReason();
        if (reason.isPresent()) {
            return new Choice(DeviceId.CPU, "TornadoVM is not usable (" + reason.get() + "); using the CPU engine");
        }
        for (DeviceInfo d : tornado.get().devices()) {
            if (d.accelerator()) {
                return new Choice(d.id(), "using TornadoVM accelerator " + d.id() + " (" + d.name() + ")");
            }
        }
        return new Choice(DeviceId.CPU, "TornadoVM reports no accelerator (only CPU OpenCL devices); using the"
                + " CPU engine (ask for one with --backend tornado --device tornado:B:D)");
    }

    public record Choice(DeviceId device, String why) {
    }
}
