package io.easel.cli;

import io.easel.api.Easel;
import io.easel.api.UnetTraining;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code easel train unet}: text-to-image training of a UNet. */
@Command(name = "unet", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Text-to-image training of a UNet, from scratch or fine-tuning, with a frozen VAE and text encoder "
                + "(diffusers' train_text_to_image.py; --train-text-encoder trains the text encoder too). OUT/final becomes a diffusers pipeline for `easel generate --model OUT/final` "
                + "(plus OUT/final.safetensors in the LDM layout when that layout can describe the model: SD1 family, 32 GroupNorm groups, "
                + "VAE scaling 0.18215); checkpoints, train_log.jsonl and loss.png go to OUT/checkpoints and a rerun resumes.",
                "Recipe defaults: --steps 20000, --batch-size 32, --checkpoint-every 1000; from scratch --lr 5e-4 with --warmup-steps 500 "
                        + "(a tiny UNet learns faster at the higher rate, the warm-up keeps its first steps stable); "
                        + "fine-tuning --lr 1e-4 without warm-up (diffusers' default). Noise schedule: the base's scheduler config, "
                        + "else SD's DDPM (scaled_linear 0.00085..0.012, 1000 steps)."})
final class TrainUnetCommand implements Callable<Integer> {
    @Mixin Common common;
    @Mixin TrainRunOptions run;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DATASET", description = "images/ + captions.txt folder (e.g. from `easel dataset shapes`), or prompt.json.")
    Path data;
    @Option(names = "--model", paramLabel = "PIPELINE", description = "A diffusers pipeline folder: its VAE, text encoder, tokenizer and scheduler config are used (frozen), its UNet is fine-tuned unless --from-scratch.")
    Path model;
    @Option(names = "--vae", paramLabel = "DIR", description = "Without --model: a diffusers VAE folder (config.json + weights).")
    Path vae;
    @Option(names = "--text-encoder", paramLabel = "DIR", description = "Without --model: a transformers CLIPTextModel folder; prompts use the bundled CLIP tokenizer.")
    Path textEncoder;
    @Option(names = "--unet-config", paramLabel = "JSON", description = "UNet config.json for a from-scratch UNet (default: with --model the base UNet's architecture, "
            + "else the default-family preset: 64 px, channels 64/96/96, cross-attention width = the text encoder's).")
    Path unetConfig;
    @Option(names = "--from-scratch", description = "With --model: start from fresh weights (seeded by --seed) instead of the base UNet's.")
    boolean fromScratch;
    @Option(names = "--prediction", description = "epsilon or v_prediction (default: the base scheduler's, else epsilon).")
    String prediction;
    @Option(names = "--caption-dropout", defaultValue = "0.1", description = "Probability of training a caption as the empty prompt; this is what makes "
            + "classifier-free guidance (--cfg > 1 at generation) work, as the model also learns the unconditional prediction (default: ${DEFAULT-VALUE}).")
    double captionDropout;
    @Option(names = "--resolution", defaultValue = "0", description = "Training size in pixels (default: the UNet's sample_size x the VAE factor, 64 for the preset).")
    int resolution;
    @Option(names = "--ema-decay", defaultValue = "0", description = "Keep an EMA of the UNet's weights (and the text encoder's, with --train-text-encoder) up to this decay (e.g. 0.9999) and save it instead; 0 for none (default: ${DEFAULT-VALUE}).")
    double emaDecay;
    @Option(names = "--train-text-encoder", description = "Train the text encoder with the UNet (all its parameters, the same learning rate), as diffusers' "
            + "DreamBooth script's --train_text_encoder; OUT/final then holds the trained text encoder (default: frozen).")
    boolean trainTextEncoder;
    @Option(names = "--snr-gamma", defaultValue = "0", description = "Min-SNR-gamma loss weighting (Hang et al. 2023; diffusers' --snr_gamma, 5 recommended): each example's loss "
            + "weighted by min(SNR, gamma) / SNR, so nearly clean timesteps count less and the noisy ones, where layout is decided, more; 0 for the plain mean (default: ${DEFAULT-VALUE}).")
    double snrGamma;
    @Option(names = "--zero-terminal-snr", description = "Rescale the base's noise schedule so that its last timestep is pure noise (Lin et al. 2023, "
            + "\"Common Diffusion Noise Schedules and Sample Steps are Flawed\"; diffusers' rescale_betas_zero_snr), with v-prediction and trailing "
            + "timesteps, written to OUT/final's scheduler. SD's schedule leaves 0.07 of the image in its noisiest step, so a model trained on it "
            + "takes its layout from the starting noise instead of the prompt (default: off).")
    boolean zeroTerminalSnr;
    @Option(names = "--save-dtype", defaultValue = "fp32", description = "fp32 or fp16 for the final model's files (default: ${DEFAULT-VALUE}); rerunning a finished run with another value rewrites OUT/final without training.")
    String saveDtype;

    @Override
    public Integer call() {
        UnetTraining what = new UnetTraining(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
        String summary = Easel.trainUnet(what, run.toRun(), true);
        spec.commandLine().getOut().println(summary);
        return 0;
    }
}
