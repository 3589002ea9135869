package io.easel.cli;

import io.easel.api.Easel;
import io.easel.api.TrainSummary;
import io.easel.api.VaeTraining;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code easel train vae --data DATASET -o OUT [options]}. */
@Command(name = "vae", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Train a KL autoencoder (diffusers AutoencoderKL) on a dataset's images, from scratch or from --init.",
                "Loss = mean |decode(z) - x| + kl_weight * mean KL(q(z|x) || N(0,1)), z a posterior sample. Both terms are means "
                        + "(per pixel value, per latent value); LDM sums both per image, so for an 8x VAE with 4 latent channels "
                        + "kl_weight w here acts as LDM's kl_weight 48 w (the default is 48x stronger than LDM's 1e-6). No perceptual (LPIPS) or GAN term: no pretrained network is available "
                        + "offline. Nothing else is added.",
                "At the end: scaling_factor = 1 / std of posterior samples over --scale-images training images (LDM's "
                        + "scale_by_std), written into config.json; PSNR and mean abs error on the held-out images.",
                "Writes OUT/final/vae/ (config.json + diffusion_pytorch_model.safetensors), OUT/final/metrics.json, "
                        + "OUT/final/reconstructions.png; checkpoints in OUT/checkpoints (a rerun resumes).",
                "Default architecture (the default family): in/out 3, latent 4, block_out_channels [16,32,64] "
                        + "(DownEncoderBlock2D / UpDecoderBlock2D x3, 4x downsampling: 16x16 latents at 64 px; at 8x the small shapes "
                        + "lost their colours), layers_per_block 1, norm_num_groups 8, mid-block attention.",
                "Recipe defaults: --steps " + VaeTraining.DEFAULT_STEPS + ", --batch-size " + VaeTraining.DEFAULT_BATCH
                        + ", --lr " + VaeTraining.DEFAULT_LR_TEXT + " (AdamW, weight decay 0.01, betas 0.9/0.999), --checkpoint-every "
                        + VaeTraining.DEFAULT_CHECKPOINT_EVERY + ", no warm-up unless --warmup-steps.",
                ""})
final class TrainVaeCommand implements Callable<Integer> {
    @Mixin Common common;
    @Mixin TrainRunOptions run;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DATASET",
            description = "Training dataset: prompt.json, a folder holding one, or images/ + captions.txt (only the images are used).")
    Path data;
    @Option(names = "--holdout", paramLabel = "DATASET",
            description = "Held-out dataset for the final metrics (default: DATASET/holdout when it exists, else the first training images).")
    Path holdout;
    @Option(names = "--config", paramLabel = "CONFIG_JSON", description = "A diffusers vae config.json for the architecture (default: the default family's).")
    Path config;
    @Option(names = "--init", paramLabel = "VAE_DIR", description = "Start from this diffusers VAE folder (or pipeline folder) instead of random weights.")
    Path init;
    @Option(names = "--resolution", defaultValue = "" + VaeTraining.DEFAULT_RESOLUTION,
            description = "Training size in pixels; images are resized and centre-cropped (default: ${DEFAULT-VALUE}).")
    int resolution;
    @Option(names = "--kl-weight", defaultValue = VaeTraining.DEFAULT_KL_WEIGHT_TEXT,
            description = "Weight of the mean KL term (default: ${DEFAULT-VALUE}).")
    double klWeight;
    @Option(names = "--save-dtype", defaultValue = "fp32", description = "fp32 or fp16 for the final model's files (default: ${DEFAULT-VALUE}); rerunning a finished run with another value rewrites OUT/final without training.")
    String saveDtype;
    @Option(names = "--eval-images", defaultValue = "" + VaeTraining.DEFAULT_EVAL_IMAGES,
            description = "Held-out images measured at the end, at most (default: ${DEFAULT-VALUE}).")
    int evalImages;
    @Option(names = "--scale-images", defaultValue = "" + VaeTraining.DEFAULT_SCALE_IMAGES,
            description = "Training images whose latents set scaling_factor, at most (default: ${DEFAULT-VALUE}).")
    int scaleImages;

    @Override
    public Integer call() {
        VaeTraining req = new VaeTraining(data, holdout, config, init, resolution, klWeight, saveDtype, evalImages, scaleImages);
        TrainSummary s = Easel.trainVae(req, run.toRun(), true);
        spec.commandLine().getOut().println(s.text());
        return 0;
    }
}
