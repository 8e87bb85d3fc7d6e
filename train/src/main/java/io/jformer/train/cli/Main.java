package io.jformer.train.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jformer} command line. */
@Command(name = "jformer", mixinStandardHelpOptions = true, version = "jformer 0.1.0",
        description = "A pure-Java transformer engine: fine-tune and run BERT models.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, TokenizeCommand.class,
                EncodeCommand.class, ConvertCommand.class, BenchCommand.class, CheckDeviceCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: errors print one line naming what is wrong (a stack trace with JFORMER_DEBUG). */
    static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // Users get the message that names what is wrong; the stack trace only on request.
                    cmd.getErr().println("jformer: " + (e.getMessage() != null ? e.getMessage() : e));
                    if (System.getenv("JFORMER_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
    }
}
