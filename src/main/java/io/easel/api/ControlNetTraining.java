package io.easel.api;

import io.easel.train.recipes.SaveDtype;

import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@code easel train controlnet} besides the shared {@link TrainRun} settings; see
 * {@link Easel#trainControlNet}.
 *
 * @param model         the base model: a diffusers pipeline folder or a single-file checkpoint (kept locked)
 * @param data          a {@code prompt.json} (or a folder holding one), or images/ + conditions/ + captions.txt
 * @param condition     the condition kind under {@code conditions/<kind>/} (canny, seg, pose... of the shapes world); null for none
 * @param resolution    training size in pixels (square); 0 for the base model's native size
 * @param hintChannels  widths of the hint network's stages; null for the published (16, 32, 96, 256)
 * @param init          a ControlNet to continue from (folder or single file), or null to start from the base UNet
 * @param promptDropout probability of training a pair with the empty prompt
 * @param saveDtype     "fp32" or "fp16" for the final model's files (null: fp32)
 */
public record ControlNetTraining(Path model, Path data, String condition, int resolution, List<Integer> hintChannels, Path init,
                                 double promptDropout, String saveDtype) {
    /** The paper's prompt dropout; diffusers' {@code train_controlnet.py} and the original code default to 0. */
    public static final double DEFAULT_PROMPT_DROPOUT = io.easel.train.recipes.ControlNetRecipe.DEFAULT_PROMPT_DROPOUT;

    /** With float32 files. */
    public ControlNetTraining(Path model, Path data, String condition, int resolution, List<Integer> hintChannels, Path init, double promptDropout) {
        this(model, data, condition, resolution, hintChannels, init, promptDropout, "fp32");
    }

    /** Model and data, every other option at its default. */
    public static ControlNetTraining of(Path model, Path data) {
        return new ControlNetTraining(model, data, null, 0, null, null, DEFAULT_PROMPT_DROPOUT);
    }

    public ControlNetTraining withSaveDtype(String d) {
        return new ControlNetTraining(model, data, condition, resolution, hintChannels, init, promptDropout, d);
    }

    io.easel.train.recipes.ControlNetRecipe.Options toOptions() {
        return new io.easel.train.recipes.ControlNetRecipe.Options(model, data, condition, resolution, hintChannels, init, promptDropout,
                SaveDtype.parse(saveDtype));
    }
}
