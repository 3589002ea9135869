package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code easel dataset shapes ...}. */
@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Make training datasets.",
        subcommands = {DatasetCommand.Shapes.class})
final class DatasetCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new CommandLine.ParameterException(spec.commandLine(), "missing dataset kind (shapes)"); }

    @Command(name = "shapes", mixinStandardHelpOptions = true, sortOptions = false,
            description = "The shapes world: deterministic scenes of 1-3 coloured shapes and stick figures with captions and exact condition maps "
                    + "(canny, seg, depth, scribble, pose, alpha, background, style twin), in the ControlNet prompt.json layout and as "
                    + "images/ + conditions/<kind>/ + captions.txt, plus scenes.jsonl with the ground truth. Same seed, same bytes.")
    static final class Shapes implements Callable<Integer> {
        @Mixin Common common;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "OUT", description = "An empty or new folder.") Path out;
        @Option(names = "--count", defaultValue = "1000", description = "Training scenes (default: ${DEFAULT-VALUE}).") int count;
        @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).") long seed;
        @Option(names = "--holdout", defaultValue = "0", description = "Held-out scenes from a separate stream, under OUT/holdout (default: ${DEFAULT-VALUE}).") int holdout;
        @Option(names = "--size", defaultValue = "64", description = "Scene size in pixels, >= 48 (default: ${DEFAULT-VALUE}).") int size;
        @Option(names = "--condition", description = "The condition prompt.json points at (default: canny).") String condition;

        @Override
        public Integer call() {
            if (count < 1) throw new IllegalArgumentException("--count must be at least 1, got " + count);
            String summary = Easel.datasetShapes(out, count, seed, holdout, size, condition, new ProgressBar(spec.commandLine().getErr()));
            spec.commandLine().getOut().println(summary);
            return 0;
        }
    }
}
