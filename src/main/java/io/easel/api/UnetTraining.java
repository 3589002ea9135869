package io.easel.api;

import io.easel.tensor.DType;
import io.easel.train.recipes.SaveDtype;
import io.easel.train.recipes.UnetRecipe;

import java.nio.file.Path;

/**
 * What {@code easel train unet} trains on and from, besides the shared {@link TrainRun} settings.
 *
 * @param data           a dataset: images/ + captions.txt folder, or prompt.json
 * @param model          a diffusers pipeline folder (frozen VAE, text encoder, tokenizer, scheduler; its
 *                       UNet is fine-tuned unless {@code fromScratch}); or null with {@code vae} and {@code textEncoder}
 * @param vae            a diffusers VAE folder, or null
 * @param textEncoder    a transformers CLIPTextModel folder, or null
 * @param unetConfig     a UNet config.json for a from-scratch UNet, or null (the base UNet's architecture, or the default-family preset)
 * @param fromScratch    with {@code model}: fresh UNet weights instead of the base's
 * @param prediction     "epsilon" or "v_prediction", or null for the base scheduler's (epsilon without one)
 * @param captionDropout probability of training a caption as "" (what classifier-free guidance needs)
 * @param resolution     training size in pixels, 0 for the UNet's sample_size times the VAE factor
 * @param emaDecay       EMA decay of the saved UNet, 0 for none
 * @param saveDtype      "fp32" or "fp16" for the final model's files
 * @param trainTextEncoder train the text encoder with the UNet (its weights in OUT/final change too)
 * @param snrGamma       Min-SNR-gamma loss weighting (diffusers' --snr_gamma, e.g. 5), 0 for the plain mean
 * @param zeroTerminalSnr rescale the base's noise schedule to zero terminal SNR (Lin et al. 2023), with
 *                       v-prediction and trailing timesteps
 */
public record UnetTraining(Path data, Path model, Path vae, Path textEncoder, Path unetConfig, boolean fromScratch, String prediction,
                           double captionDropout, int resolution, double emaDecay, String saveDtype, boolean trainTextEncoder,
                           double snrGamma, boolean zeroTerminalSnr) {
    /** Without zero-terminal-SNR rescaling. */
    public UnetTraining(Path data, Path model, Path vae, Path textEncoder, Path unetConfig, boolean fromScratch, String prediction,
                        double captionDropout, int resolution, double emaDecay, String saveDtype, boolean trainTextEncoder, double snrGamma) {
        this(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, false);
    }

    public UnetTraining {
        if (saveDtype == null) saveDtype = "fp32";
        SaveDtype.parse(saveDtype);
        if (prediction != null) ModelOptions.predictionType(prediction);
    }

    /** From scratch on component folders with the recipe's defaults. */
    public static UnetTraining components(Path data, Path vae, Path textEncoder) {
        return new UnetTraining(data, null, vae, textEncoder, null, false, null, UnetRecipe.DEFAULT_CAPTION_DROPOUT, 0, 0, "fp32", false, 0);
    }

    /** Fine-tuning a pipeline's UNet with the recipe's defaults. */
    public static UnetTraining fineTune(Path data, Path model) {
        return new UnetTraining(data, model, null, null, null, false, null, UnetRecipe.DEFAULT_CAPTION_DROPOUT, 0, 0, "fp32", false, 0);
    }

    public UnetTraining withUnetConfig(Path json) {
        return new UnetTraining(data, model, vae, textEncoder, json, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
    }

    public UnetTraining withCaptionDropout(double p) {
        return new UnetTraining(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, p, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
    }

    public UnetTraining withTextEncoderTraining(boolean on) {
        return new UnetTraining(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, on, snrGamma, zeroTerminalSnr);
    }

    public UnetTraining withSnrGamma(double gamma) {
        return new UnetTraining(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, gamma, zeroTerminalSnr);
    }

    UnetRecipe.Settings settings() {
        DType d = SaveDtype.parse(saveDtype);
        return new UnetRecipe.Settings(data, model, vae, textEncoder, unetConfig, fromScratch,
                prediction == null ? null : ModelOptions.predictionType(prediction), captionDropout, resolution, emaDecay, d == DType.FP32 ? null : d, trainTextEncoder, snrGamma, zeroTerminalSnr);
    }
}
