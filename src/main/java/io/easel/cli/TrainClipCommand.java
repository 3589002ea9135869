package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code easel train clip}: the contrastive CLIP recipe. */
@Command(name = "clip", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small CLIP text and image pair contrastively (symmetric InfoNCE over the batch, learned temperature "
                + "from 1/0.07, capped at 100) on the (image, caption) pairs of a dataset. The text tower (4 layers, width 64, "
                + "quick_gelu, 77 positions, CLIP vocabulary) becomes the default model's text encoder; the image tower (ViT, "
                + "8-pixel patches, 4 layers, width 64) is kept for image prompts. Images are normalised with CLIP's mean and std.",
                Easel.TRAIN_CLIP_DEFAULTS,
                "Writes OUT/final/: clip/ (transformers CLIPModel), text_encoder/ (CLIPTextModel, as a diffusers pipeline holds it), "
                + "tokenizer/, metrics.json (zero-shot retrieval on the held-out pairs)."})
final class TrainClipCommand implements Callable<Integer> {
    @Mixin Common common;
    @Mixin TrainRunOptions run;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, description = "Dataset: a folder with images/ and captions.txt, or a prompt.json.")
    Path data;
    @Option(names = "--holdout", description = "Held-out pairs for the retrieval metrics (default: DATA/holdout when present).")
    Path holdout;
    @Option(names = "--image-size", defaultValue = "" + Easel.TRAIN_CLIP_IMAGE_SIZE, description = "Training resolution, a multiple of 8 (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--weight-decay", defaultValue = "" + Easel.TRAIN_CLIP_WEIGHT_DECAY, description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--init", paramLabel = "DIR", description = "Start from this CLIP folder (transformers CLIPModel, e.g. models/easel-shapes-clip) instead of fresh weights.")
    Path init;
    @Option(names = "--init-text-encoder", paramLabel = "DIR", description = "Replace the text tower's weights by this text encoder folder's (CLIPTextModel, e.g. a pipeline's text_encoder/ trained with its UNet).")
    Path initText;
    @Option(names = "--hard-negatives", description = "NegCLIP: score each image also against its caption with the relation turned round, the two objects swapped, and their colours swapped (captions of the shapes grammar), so the text tower must encode order and binding, not a bag of words (default: off).")
    boolean hardNegatives;
    @Option(names = "--save-dtype", defaultValue = "fp32", description = "fp32 or fp16 for the final model's files (default: ${DEFAULT-VALUE}); rerunning a finished run with another value rewrites OUT/final without training.")
    String saveDtype;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(Easel.trainClip(data, holdout, imageSize, weightDecay, saveDtype, init, initText, hardNegatives, run.toRun()));
        return 0;
    }
}
