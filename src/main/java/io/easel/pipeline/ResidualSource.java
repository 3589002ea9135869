package io.easel.pipeline;

import io.easel.models.unet.ControlResiduals;
import org.bytedeco.pytorch.Tensor;

/**
 * Supplies residuals for the UNet's skip connections at one denoising call (a ControlNet unit).
 * With classifier-free guidance the batch is [unconditional B ; conditional B].
 */
public interface ResidualSource {
    /**
     * @param x      the UNet input [N,4,h,w] in the model dtype
     * @param t      timesteps [N]
     * @param ctx    text context [N,L,D]
     * @param guided whether the batch holds the unconditional half first (N = 2B) or only the conditional one (N = B)
     * @param step   the step's index from 0; {@code steps} is their number
     * @return residuals shaped for the UNet, or null to add nothing at this step
     */
    ControlResiduals residuals(Tensor x, Tensor t, Tensor ctx, boolean guided, int step, int steps);
}
