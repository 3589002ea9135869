package io.easel.train;

import io.easel.models.unet.ControlResiduals;
import org.bytedeco.pytorch.Tensor;

/**
 * Computes ControlNet residuals for one training step from what the UNet sees: the noisy latents
 * [B,4,h,w], the timesteps [B] and the text context [B,M,D]. A ControlNet recipe captures its
 * model and the batch's condition images in the lambda:
 * {@code (noisy, t, ctx) -> controlnet.forward(noisy, t, ctx, cond, 1.0, SoftWeights.NONE)}.
 */
@FunctionalInterface
public interface ResidualProvider {
    ControlResiduals residuals(Tensor noisy, Tensor timesteps, Tensor ctx);
}
