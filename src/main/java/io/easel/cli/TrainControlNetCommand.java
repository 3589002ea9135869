package io.easel.cli;

import io.easel.api.ControlNetTraining;
import io.easel.api.Easel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code easel train controlnet}. */
@Command(name = "controlnet", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a ControlNet on a locked base model: a new ControlNet initialised from the base UNet's encoder with zero convolutions, "
                + "every ControlNet parameter trained on the epsilon (or v) MSE, the UNet, VAE and text encoder frozen. "
                + "Writes OUT/final: a diffusers ControlNet folder plus controlnet.safetensors in the original layout "
                + "(use it with: easel generate PROMPT --model BASE --control OUT/final:CONDITION.png).",
                "Recipe defaults: --steps 10000, --batch-size 4, --lr 1e-5 (the paper's for Stable Diffusion; a small base trained "
                        + "from scratch, such as the default shapes family, needs a larger rate, e.g. 1e-4 to 5e-4), --checkpoint-every 500."})
final class TrainControlNetCommand implements Callable<Integer> {
    @Mixin Common common;
    @Mixin TrainRunOptions run;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "BASE",
            description = "The base model, kept locked: a diffusers pipeline folder or a single-file checkpoint.")
    Path model;
    @Option(names = "--data", required = true, paramLabel = "DATASET",
            description = "Training pairs: a prompt.json (source = condition, target = image, prompt), a folder holding one, "
                    + "or a folder with images/, conditions/[KIND/] and captions.txt.")
    Path data;
    @Option(names = "--condition", paramLabel = "KIND",
            description = "Read conditions from DATASET/conditions/KIND/ (canny, seg, pose... of the shapes world).")
    String condition;
    @Option(names = "--resolution", defaultValue = "0", paramLabel = "PX",
            description = "Training size in pixels, square (default: the base model's native size).")
    int resolution;
    @Option(names = "--hint-channels", split = ",", paramLabel = "C1,C2,...",
            description = "Widths of the hint network's stages (diffusers' conditioning_embedding_out_channels; default: the published 16,32,96,256; "
                    + "the default shapes family, whose VAE downsamples 4x, uses 16,32,64).")
    List<Integer> hintChannels;
    @Option(names = "--init", paramLabel = "CONTROLNET",
            description = "Continue from this ControlNet (folder or single file) instead of a copy of the UNet's encoder.")
    Path init;
    @Option(names = "--prompt-dropout", defaultValue = "0.5", paramLabel = "P",
            description = "Probability of training a pair with the empty prompt (default: ${DEFAULT-VALUE}, the paper's 50%%; "
                    + "lllyasviel's original training code and diffusers' train_controlnet.py default to 0).")
    double promptDropout;
    @Option(names = "--save-dtype", defaultValue = "fp32", description = "fp32 or fp16 for the final model's files (default: ${DEFAULT-VALUE}); rerunning a finished run with another value rewrites OUT/final without training.")
    String saveDtype;

    @Override
    public Integer call() {
        ControlNetTraining o = new ControlNetTraining(model, data, condition, resolution, hintChannels, init, promptDropout, saveDtype);
        spec.commandLine().getOut().println(Easel.trainControlNet(run.toRun(), o, System.err));
        return 0;
    }
}
