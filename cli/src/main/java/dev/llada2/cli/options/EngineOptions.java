package dev.llada2.cli.options;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code --backend} and {@code --device}: where the model runs. */
public final class EngineOptions {

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "cpu|tornado|auto",
            description = "Compute backend (default: ${DEFAULT-VALUE}: a TornadoVM accelerator when TornadoVM and a"
                    + " GPU-like device are present, otherwise the CPU engine; it says which).")
    public String backend;

    @Option(names = "--device", paramLabel = "D",
            description = "Device: cpu or tornado:B:D (TornadoVM backend B, device D; see `llada2 devices`)."
                    + " Implies its backend.")
    public String device;

    /** Builds the engine and says on {@code log} which backend and device it chose and why. */
    public Engine create(LoadedModel model, PrintWriter log, boolean quiet) {
        DeviceId id;
        String why;
        if (device != null) {
            id = DeviceId.parse(device);
            if (!backend.equals("auto") && !backend.equals(id.backend())) {
                throw LladaException.input("--device " + device + " belongs to backend " + id.backend()
                        + ", not --backend " + backend);
            }
            why = "device " + id + " requested";
        } else {
            switch (backend) {
                case "cpu" -> {
                    id = DeviceId.CPU;
                    why = "CPU engine requested";
                }
                case "tornado" -> {
                    BackendProvider p = Backends.require("tornado");
                    id = p.devices().stream().findFirst().orElseThrow(() ->
                            LladaException.runtime("TornadoVM reports no device")).id();
                    why = "TornadoVM requested; its first device is " + id;
                }
                case "auto" -> {
                    Backends.Choice choice = Backends.auto();
                    id = choice.device();
                    why = choice.why();
                }
                default -> throw LladaException.input("--backend must be cpu, tornado or auto, not \"" + backend + "\"");
            }
        }
        BackendProvider provider = Backends.require(id.backend());
        Engine engine = provider.createEngine(model.weights(), id);
        if (!quiet) {
            log.println("llada2: " + why + ": " + engine.describe());
        }
        return engine;
    }
}
