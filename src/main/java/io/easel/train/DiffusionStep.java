package io.easel.train;

import io.easel.models.unet.ControlResiduals;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.sampling.Schedule;
import io.easel.sampling.SchedulerConfig;
import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The denoising loss of one training batch, as diffusers' {@code train_text_to_image.py} and
 * {@code train_controlnet.py} compute it:
 * <pre>
 *   noisy  = sqrt(acp[t]) * latents + sqrt(1 - acp[t]) * noise        (DDPMScheduler.add_noise)
 *   pred   = unet(noisy, t, ctx [, controlnet residuals])
 *   target = noise                                          (epsilon)
 *          | sqrt(acp[t]) * noise - sqrt(1 - acp[t]) * latents (v_prediction, get_velocity)
 *   loss   = mean((pred - target)^2)
 * </pre>
 * or, with a {@code snrGamma} above 0, diffusers' Min-SNR weighting (Hang et al., "Efficient
 * Diffusion Training via Min-SNR Weighting Strategy", 2023; {@code --snr_gamma}):
 * <pre>
 *   snr    = acp[t] / (1 - acp[t])
 *   w      = min(snr, gamma) / snr              (epsilon)  | min(snr, gamma) / (snr + 1)  (v_prediction)
 *   loss   = mean over the batch of w * mean over C,H,W of (pred - target)^2
 * </pre>
 * which lowers the weight of the nearly clean timesteps so that the noisy ones, where the layout of
 * an image is decided, take a larger share of each update.
 * with acp the float32 {@code alphas_cumprod} of the noise scheduler config. The UNet is the
 * inference model class itself: whatever parameters require gradients receive them on
 * {@code loss.backward()}.
 */
public final class DiffusionStep {
    private final UNet2DConditionModel unet;
    private final PredictionType prediction;
    private final int numTrainTimesteps;
    private final float[] alphasCumprod;
    private final double snrGamma;

    /**
     * @param unet       the UNet (trained, or frozen under a ControlNet)
     * @param noise      the noise scheduler config (diffusers' {@code scheduler/scheduler_config.json})
     * @param prediction what the UNet predicts; normally {@code noise.predictionType()}
     */
    public DiffusionStep(UNet2DConditionModel unet, SchedulerConfig noise, PredictionType prediction) {
        this(unet, noise, prediction, 0);
    }

    /**
     * @param snrGamma Min-SNR-gamma loss weighting (diffusers' {@code --snr_gamma}, 5 in the paper); 0 for
     *                 the plain mean
     */
    public DiffusionStep(UNet2DConditionModel unet, SchedulerConfig noise, PredictionType prediction, double snrGamma) {
        if (!(snrGamma >= 0)) throw new IllegalArgumentException("--snr-gamma must be 0 (off) or positive, got " + snrGamma);
        this.snrGamma = snrGamma;
        this.unet = unet;
        this.prediction = prediction;
        this.numTrainTimesteps = noise.numTrainTimesteps();
        this.alphasCumprod = Schedule.trainingAlphasCumprod(noise);
    }

    /** With the scheduler config's own prediction type. */
    public DiffusionStep(UNet2DConditionModel unet, SchedulerConfig noise) { this(unet, noise, noise.predictionType()); }

    public PredictionType prediction() { return prediction; }

    public int numTrainTimesteps() { return numTrainTimesteps; }

    /** The loss and the intermediate tensors of one step. */
    public record Output(Tensor loss, Tensor noisy, Tensor pred, Tensor target) {}

    /**
     * Draws the step's randomness from {@code gen} in diffusers' order: the noise
     * ({@code randn_like(latents)}), then the timesteps ({@code randint(0, T, (B,))}), and computes
     * the loss.
     *
     * @param control ControlNet residuals, or null for plain text-to-image training
     */
    /** Min-SNR-gamma weights of the timesteps whose alphas_cumprod are {@code acp} [B] -> [B]. */
    Tensor minSnrWeights(Tensor acp) {
        Tensor snr = acp.div(acp.neg().add(T.s(1.0)));
        Tensor capped = torch.clamp_max(snr, T.s(snrGamma));
        if (prediction != PredictionType.EPSILON) return capped.div(snr.add(T.s(1.0)));
        // epsilon at a zero-SNR timestep (rescale_betas_zero_snr): 0 / 0, weighted 1, the limit of min(snr, gamma) / snr as snr -> 0
        Tensor w = capped.div(snr);
        return torch.where(snr.eq(T.s(0.0)), torch.ones_like(w), w);
    }

    public Output compute(Tensor latents, Tensor ctx, Generator gen, ResidualProvider control) {
        Tensor noise = torch.randn(T.shape(latents), new GeneratorOptional(gen), T.opts(ScalarType.Float));
        Tensor timesteps = torch.randint(numTrainTimesteps, new long[]{latents.size(0)}, new GeneratorOptional(gen), T.opts(ScalarType.Long));
        return compute(latents, ctx, noise, timesteps, control);
    }

    /**
     * The loss for given noise and timesteps.
     * latents: [B,C,h,w] float32, ctx: [B,M,D], noise: like latents, timesteps: [B] (integer
     * values, any dtype) -> scalar loss.
     */
    public Output compute(Tensor latents, Tensor ctx, Tensor noise, Tensor timesteps, ResidualProvider control) {
        long b = latents.size(0);
        if (noise.size(0) != b || timesteps.numel() != b || ctx.size(0) != b)
            throw new IllegalArgumentException("batch sizes differ: latents " + b + ", noise " + noise.size(0)
                    + ", timesteps " + timesteps.numel() + ", context " + ctx.size(0));
        Tensor t = timesteps.to(ScalarType.Long);
        // 1. forward diffusion, in float32 as DDPMScheduler.add_noise
        Tensor acp = T.fromFloats(alphasCumprod, alphasCumprod.length).index_select(0, t);
        Tensor sqrtA = acp.sqrt().flatten().view(b, 1, 1, 1);
        Tensor sqrt1mA = acp.neg().add(T.s(1.0)).sqrt().flatten().view(b, 1, 1, 1);
        Tensor noisy = sqrtA.mul(latents).add(sqrt1mA.mul(noise));
        // 2. prediction, with ControlNet residuals when there is a ControlNet
        ControlResiduals residuals = control == null ? null : control.residuals(noisy, t, ctx);
        Tensor pred = unet.forward(noisy, t, ctx, residuals, null);
        // 3. target and loss
        Tensor target = prediction == PredictionType.EPSILON ? noise : sqrtA.mul(noise).sub(sqrt1mA.mul(latents));
        Tensor loss;
        if (snrGamma == 0) {
            loss = torch.mse_loss(pred.to(ScalarType.Float), target.to(ScalarType.Float));
        } else {
            Tensor perSample = pred.to(ScalarType.Float).sub(target.to(ScalarType.Float)).square().mean(new long[]{1, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()); // [B]
            loss = perSample.mul(minSnrWeights(acp.flatten())).mean();
        }
        return new Output(loss, noisy, pred, target);
    }
}
