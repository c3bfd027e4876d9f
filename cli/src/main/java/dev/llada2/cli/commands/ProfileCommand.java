package dev.llada2.cli.commands;

import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.ProfileWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code llada2 profile}: measures a device and writes the numbers into a profile. */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Measures a device — memory bandwidth, matrix throughput for the model's block shapes (one"
                + " 32-token block), host-device transfer rate — and writes the measurements into a hardware profile"
                + " (created, or updated for that device) that `plan` uses to estimate forward times.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 profile --device cpu --out my-rig.json",
                "  llada2 profile --device tornado:0:0 --config ~/models/LLaDA2.0-flash/config.json --out my-rig.json"})
public final class ProfileCommand extends LladaCommand {

    @Option(names = "--device", required = true, paramLabel = "D", description = "cpu or tornado:B:D.")
    String device;

    @Option(names = "--config", paramLabel = "FILE|DIR", description = "config.json (or model directory) whose shapes"
            + " to measure (default: LLaDA2.0-mini's).")
    Path config;

    @Option(names = "--out", paramLabel = "FILE", description = "Profile to create or update with the measurements.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter stdout = out();
        PrintWriter err = err();
        DeviceId id = EngineOptions.parseDevice(spec.commandLine(), device);
        LLaDA2Config shapes = config != null ? ConfigLoader.load(config) : ConfigPresets.load("mini");
        err.println("llada2: measuring " + id + " (about a minute)...");
        DeviceMeasurement m = Backends.require(id.backend()).measure(id, shapes);
        stdout.println(m.describe());
        if (out != null) {
            ProfileWriter.write(out, id.toString(), m);
            err.println("llada2: wrote the measurements of " + id + " to " + out);
        }
        return 0;
    }
}
