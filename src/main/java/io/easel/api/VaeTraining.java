package io.easel.api;

import io.easel.train.recipes.SaveDtype;
import io.easel.train.recipes.VaeRecipe;

import java.nio.file.Path;

/**
 * What {@code easel train vae} trains on and how (the settings shared by every recipe are in
 * {@link TrainRun}).
 *
 * @param data        the dataset: a {@code prompt.json}, a folder holding one, or images/ + captions.txt
 * @param holdout     held-out dataset for the final metrics; null for {@code data/holdout} when it exists
 * @param config      a diffusers vae {@code config.json}; null for the default family's architecture
 * @param init        a diffusers VAE (or pipeline) folder to start from; null to train from scratch
 * @param resolution  training size in pixels
 * @param klWeight    weight of the mean KL term (see {@link VaeRecipe})
 * @param saveDtype   "fp32" or "fp16": precision of the final weights
 * @param evalImages  held-out images measured at the end (at most)
 * @param scaleImages training images whose latents set the scaling factor (at most)
 */
public record VaeTraining(Path data, Path holdout, Path config, Path init, int resolution, double klWeight, String saveDtype,
                          int evalImages, int scaleImages) {
    public static final int DEFAULT_RESOLUTION = VaeRecipe.DEFAULT_RESOLUTION;
    public static final int DEFAULT_EVAL_IMAGES = VaeRecipe.DEFAULT_EVAL_IMAGES;
    public static final int DEFAULT_SCALE_IMAGES = VaeRecipe.DEFAULT_SCALE_IMAGES;
    public static final long DEFAULT_STEPS = VaeRecipe.DEFAULT_STEPS;
    public static final int DEFAULT_BATCH = VaeRecipe.DEFAULT_BATCH;
    public static final long DEFAULT_CHECKPOINT_EVERY = VaeRecipe.DEFAULT_CHECKPOINT_EVERY;
    /** The default learning rate as the help shows it ({@link VaeRecipe#DEFAULT_LR}). */
    public static final String DEFAULT_LR_TEXT = "5e-4";
    /** The default KL weight as the help shows it ({@link VaeRecipe#DEFAULT_KL_WEIGHT}). */
    public static final String DEFAULT_KL_WEIGHT_TEXT = "1e-6";

    /** The defaults for a dataset. */
    public static VaeTraining defaults(Path data) {
        return new VaeTraining(data, null, null, null, DEFAULT_RESOLUTION, VaeRecipe.DEFAULT_KL_WEIGHT, "fp32", DEFAULT_EVAL_IMAGES, DEFAULT_SCALE_IMAGES);
    }

    public VaeTraining withResolution(int v) { return new VaeTraining(data, holdout, config, init, v, klWeight, saveDtype, evalImages, scaleImages); }

    public VaeTraining withConfig(Path v) { return new VaeTraining(data, holdout, v, init, resolution, klWeight, saveDtype, evalImages, scaleImages); }

    public VaeTraining withInit(Path v) { return new VaeTraining(data, holdout, config, v, resolution, klWeight, saveDtype, evalImages, scaleImages); }

    public VaeTraining withSaveDtype(String v) { return new VaeTraining(data, holdout, config, init, resolution, klWeight, v, evalImages, scaleImages); }

    /** The recipe's options (checked there). */
    VaeRecipe.Options toOptions() {
        return new VaeRecipe.Options(data, holdout, config, init, resolution, klWeight, SaveDtype.parse(saveDtype), evalImages, scaleImages);
    }
}
