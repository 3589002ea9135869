package io.easel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code easel} command. */
@Command(name = "easel", mixinStandardHelpOptions = true, version = "Easel " + io.easel.api.Easel.VERSION,
        description = "Controllable image generation (Stable Diffusion, ControlNet) on the JVM.",
        subcommands = {GenerateCommand.class, AnnotateCommand.class, DatasetCommand.class, TrainCommand.class, EvalCommand.class, DemoCommand.class, InfoCommand.class, ConformanceCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: easel --help)"); }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("easel: " + ex.getMessage());
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = false;
            for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand())
                verbose |= pr.hasMatchedOption("--verbose");
            if (verbose) ex.printStackTrace(err);
            else err.println("easel: " + Errors.message(ex));
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl.execute(args);
    }
}
