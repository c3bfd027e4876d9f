package dev.llada2.cli.commands;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * What every subcommand shares: picocli's writers (so tests can capture what a command prints) and
 * usage errors, which exit with code 2.
 */
abstract class LladaCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A usage error naming what is wrong with the flags. */
    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Checks an {@code --output} value against the formats a command offers. */
    void requireOutput(String value, String... formats) {
        if (!java.util.List.of(formats).contains(value)) {
            throw usage("--output must be " + String.join(" or ", formats) + ", not '" + value + "'");
        }
    }
}
