package dev.llada2.cli;

import dev.llada2.cli.commands.BenchCommand;
import dev.llada2.cli.commands.ChatCommand;
import dev.llada2.cli.commands.DemoCommand;
import dev.llada2.cli.commands.DetokenizeCommand;
import dev.llada2.cli.commands.DevicesCommand;
import dev.llada2.cli.commands.ForwardCommand;
import dev.llada2.cli.commands.GenerateCommand;
import dev.llada2.cli.commands.GoldenCommand;
import dev.llada2.cli.commands.InfoCommand;
import dev.llada2.cli.commands.InitRandomCommand;
import dev.llada2.cli.commands.PlanCommand;
import dev.llada2.cli.commands.ProfileCommand;
import dev.llada2.cli.commands.QuantizeCommand;
import dev.llada2.cli.commands.SelftestCommand;
import dev.llada2.cli.commands.ServeCommand;
import dev.llada2.cli.commands.TokenizeCommand;
import dev.llada2.errors.LladaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code llada2} command line. Exit codes: 0 success, 1 unexpected internal error, 2 usage
 * error (unknown option, bad value), 3 bad input (model files, config, profile, tokenizer), 4
 * runtime problem (device, backend, memory).
 */
@Command(name = "llada2", mixinStandardHelpOptions = true, versionProvider = LladaCli.Version.class,
        description = "Runs the LLaDA2.0 diffusion language models (mini, flash) on CPUs and, through TornadoVM, on GPUs"
                + " and other OpenCL/PTX devices.",
        subcommands = {DemoCommand.class, GenerateCommand.class, ChatCommand.class, ServeCommand.class, BenchCommand.class,
                ForwardCommand.class, InfoCommand.class, InitRandomCommand.class, QuantizeCommand.class, TokenizeCommand.class,
                DetokenizeCommand.class, PlanCommand.class, ProfileCommand.class, DevicesCommand.class, SelftestCommand.class,
                GoldenCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success", "  1  internal error (a bug: please report it with the stack trace)",
                "  2  usage error (unknown option, bad value)", "  3  bad input (model directory, config, tokenizer,"
                + " profile)", "  4  runtime problem (device, backend, memory)"})
public final class LladaCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new LladaCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof LladaException le) {
                commandLine.getErr().println("llada2: error: " + le.getMessage());
                return le.exitCode();
            }
            commandLine.getErr().println("llada2: internal error: " + ex);
            ex.printStackTrace(commandLine.getErr());
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            boolean direct = String.valueOf(e.getMessage()).contains("direct buffer");
            err.println("llada2: error: out of " + (direct ? "off-heap (direct) memory" : "Java heap memory") + " ("
                    + e.getMessage() + "); raise it with LLADA2_JAVA_OPTS="
                    + (direct ? "-XX:MaxDirectMemorySize=<size>" : "-Xmx<size>"));
            return LladaException.Kind.RUNTIME.exitCode();
        }
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LladaCli.class.getPackage().getImplementationVersion();
            return new String[] {"llada2 " + (v == null ? "(development build)" : v) + ", Java " + Runtime.version()};
        }
    }
}
