package dev.llada2.cli.commands;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceId;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.backend.KernelCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;

/** {@code llada2 selftest}: every TornadoVM kernel against its CPU twin. */
@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = "Runs every TornadoVM kernel on a device against its plain-Java twin (the CPU engine's code) on"
                + " small random inputs and prints a pass/fail table with the largest error: the portability check for"
                + " a new GPU, driver or vendor. Exit code 4 when a kernel fails. The CPU engine is the reference and"
                + " has nothing to test.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 selftest", "  llada2 selftest --device tornado:0:1"})
public final class SelftestCommand extends LladaCommand {

    @Option(names = "--device", paramLabel = "D", description = "tornado:B:D (default: every TornadoVM device).")
    String device;

    @Override
    public Integer call() {
        PrintWriter out = out();
        BackendProvider tornado = Backends.require("tornado");
        List<DeviceId> devices = device != null ? List.of(EngineOptions.parseDevice(spec.commandLine(), device))
                : tornado.devices().stream().map(DeviceInfo::id).toList();
        boolean allPassed = true;
        for (DeviceId id : devices) {
            if (id.isCpu()) {
                out.println("cpu: the CPU engine is the reference the kernels are checked against; nothing to test");
                continue;
            }
            out.println("device " + id);
            out.printf("  %-56s %12s %12s  %s%n", "kernel", "max error", "tolerance", "result");
            for (KernelCheck c : tornado.selfTest(id)) {
                allPassed &= c.passed();
                out.printf("  %-56s %12.3e %12.3e  %s%s%n", c.kernel(), c.maxError(), c.tolerance(),
                        c.passed() ? "pass" : "FAIL", c.detail().isEmpty() ? "" : "  (" + c.detail() + ")");
            }
        }
        out.println(allPassed ? "all kernels passed" : "some kernels FAILED");
        return allPassed ? 0 : 4;
    }
}
