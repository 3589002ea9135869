package io.easel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code easel train <recipe>}: each recipe is a subcommand with its defaults in its --help.
 * Recipes: vae, clip, unet, controlnet.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train models with Easel's recipes (seeded, resumable, checkpoints in the published layouts).",
        subcommands = {TrainVaeCommand.class, TrainClipCommand.class, TrainUnetCommand.class, TrainControlNetCommand.class})
final class TrainCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new CommandLine.ParameterException(spec.commandLine(), "missing recipe (see easel train --help)"); }
}
