package dev.llada2.cli.options;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.HostResources;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileRuntime;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.PlanReport;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.profiles.fit.WeightDtypes;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;

/** {@code --backend}, {@code --device} or {@code --profile}: where the model runs. */
public final class EngineOptions {

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "cpu|tornado|auto",
            description = "Compute backend (default: ${DEFAULT-VALUE}: a TornadoVM accelerator when TornadoVM and a"
                    + " GPU-like device are present, otherwise the CPU engine; it says which).")
    public String backend;

    @Option(names = "--profile", paramLabel = "NAME|FILE",
            description = "Run over the devices of a hardware profile (bundled name or JSON file; see `llada2 plan"
                    + " --list-profiles`). Excludes --backend and --device.")
    public String profile;

    @Option(names = "--device", paramLabel = "D",
            description = "Device: cpu or tornado:B:D (TornadoVM backend B, device D; see `llada2 devices`)."
                    + " Implies its backend.")
    public String device;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * Checks the flags themselves (a usage error, exit 2): the backend name, the device id, and that
     * --profile comes alone. Commands call it before opening the model; {@link #create} calls it too.
     */
    public void validate() {
        if (!List.of("cpu", "tornado", "auto").contains(backend)) {
            throw usage("--backend must be cpu, tornado or auto, not \"" + backend + "\"");
        }
        if (profile != null && (device != null || !backend.equals("auto"))) {
            throw usage("--profile places the model itself; drop --backend/--device");
        }
        if (device != null) {
            DeviceId id = parseDevice(command.commandLine(), device);
            if (!backend.equals("auto") && !backend.equals(id.backend())) {
                throw usage("--device " + device + " belongs to backend " + id.backend() + ", not --backend " + backend);
            }
        }
    }

    /** Builds the engine and says on {@code log} which backend and device it chose and why. */
    public Engine create(LoadedModel model, PrintWriter log, boolean quiet) {
        return create(model, log, quiet, () -> { });
    }

    /**
     * As {@link #create(LoadedModel, PrintWriter, boolean)}, after {@code checksFirst}: the command's
     * checks that need the model (decoding ids against its vocabulary), so a bad option is reported
     * before the engine is built and announced.
     */
    public Engine create(LoadedModel model, PrintWriter log, boolean quiet, Runnable checksFirst) {
        validate();
        checksFirst.run();
        if (profile != null) {
            return fromProfile(model, log, quiet);
        }
        DeviceId id;
        String why;
        if (device != null) {
            id = DeviceId.parse(device);
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
                default -> throw new IllegalStateException("validate() accepted --backend " + backend);
            }
        }
        BackendProvider provider = Backends.require(id.backend());
        Engine engine = provider.createEngine(model.weights(), id);
        if (!quiet) {
            log.println("llada2: " + why + ": " + engine.describe());
        }
        return engine;
    }

    /** A {@code --device} value, or a usage error (exit 2) saying how device ids are written. */
    public static DeviceId parseDevice(CommandLine commandLine, String text) {
        try {
            return DeviceId.parse(text);
        } catch (LladaException e) {
            throw new CommandLine.ParameterException(commandLine, "--device: " + e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(command.commandLine(), message);
    }

    /** Plans the profile for this model, warns when it does not fit, and builds the multi-device engine. */
    private Engine fromProfile(LoadedModel model, PrintWriter log, boolean quiet) {
        Plan plan = Planner.plan(model.config(), ProfileLoader.load(profile), PlanOptions.defaults(),
                WeightDtypes.fromCheckpoint(model.checkpoint().dtypes(), model.config()), HostResources.detect());
        if (!plan.fits()) {
            log.println("llada2: warning: profile " + profile + " does not fit this model's memory budgets:");
            log.println(PlanReport.render(plan));
        }
        Engine engine = ProfileRuntime.createEngine(plan, model);
        if (!quiet) {
            log.println("llada2: profile " + profile + ": " + engine.describe());
        }
        return engine;
    }
}
