package io.easel.cli;

import io.easel.api.Easel;
import io.easel.api.ModelOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code easel eval}. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure a shapes-world model on held-out scenes: colour, shape and relative-position accuracy of text-only generation, "
                + "and each ControlNet's metric (canny: edge F1, seg: segmentation IoU, pose: figure IoU and PCK) with and without its condition; "
                + "also the same measures on the VAE's reconstructions of the true scenes, the ceiling the autoencoder sets.")
final class EvalCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin FamilyOptions family;
    @Option(names = "--scenes", defaultValue = "100", description = "Held-out scenes (default: ${DEFAULT-VALUE}).") int scenes;
    @Option(names = "--seed", defaultValue = "0", description = "World seed of the held-out stream (default: ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--steps", defaultValue = "25", description = "Denoising steps (default: ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--cfg", defaultValue = "5", description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).") double cfg;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(Easel.evalShapes(family.model(), family.controlNets(), scenes, seed, steps, cfg, ModelOptions.DEFAULT, new ProgressBar(spec.commandLine().getErr())));
        return 0;
    }
}
