package dev.llada2.cli.commands;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.Backends;
import dev.llada2.backend.DeviceInfo;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code llada2 devices}: what every backend sees. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the CPU and every TornadoVM device (backend, name, global memory, max allocation), with"
                + " the ids --device and hardware profiles use.",
        footerHeading = "%nExamples:%n", footer = {"  llada2 devices"})
public final class DevicesCommand extends LladaCommand {

    @Override
    public Integer call() {
        out().printf("%-14s %-8s %12s %12s  %s%n", "device", "kind", "memory", "max alloc", "name");
        boolean tornadoSeen = false;
        for (BackendProvider p : Backends.all()) {
            tornadoSeen |= p.name().equals("tornado");
            if (p.unavailableReason().isPresent()) {
                out().println(p.name() + ": not usable: " + p.unavailableReason().get());
                continue;
            }
            List<DeviceInfo> devices = p.devices();
            for (DeviceInfo d : devices) {
                out().printf("%-14s %-8s %9.1f GB %9.1f GB  %s%n", d.id(), d.kind(), d.globalMemory() / 1e9,
                        d.maxAllocation() / 1e9, d.name());
            }
        }
        if (!tornadoSeen) {
            out().println("tornado: not available. " + Backends.TORNADO_HELP);
        }
        return 0;
    }
}
