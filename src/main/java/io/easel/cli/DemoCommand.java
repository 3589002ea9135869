package io.easel.cli;

import io.easel.api.Easel;
import io.easel.api.ModelOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code easel demo OUT.png}. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a contact sheet of the bundled default model: text-only generations, and each ControlNet with its input condition.")
final class DemoCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUT.png") Path out;
    @Mixin FamilyOptions family;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--steps", defaultValue = "25", description = "Denoising steps (default: ${DEFAULT-VALUE}).") int steps;

    @Override
    public Integer call() {
        Easel.demo(out, family.model(), family.controlNets(), seed, steps, ModelOptions.DEFAULT, new ProgressBar(spec.commandLine().getErr()));
        spec.commandLine().getOut().println(out);
        return 0;
    }
}
