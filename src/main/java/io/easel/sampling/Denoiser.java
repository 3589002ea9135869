package io.easel.sampling;

import org.bytedeco.pytorch.Tensor;

/**
 * The model as a sampler sees it: the pipeline composes UNet, classifier-free guidance, ControlNet
 * residuals and the rest behind this interface; samplers never see a model.
 *
 * <p>The sampler always calls {@link #apply(Tensor, double, int, int)}. Implement that form when
 * the output depends on where the step lies in the run (ControlNet's start/end fractions use
 * {@code i / n}); otherwise implement the two-argument form, which it forwards to by default.
 */
@FunctionalInterface
public interface Denoiser {
    /**
     * The raw model output.
     *
     * @param xIn the model input [N,C,h,w], already scaled by the sampler (diffusers' {@code scale_model_input})
     * @param t   the timestep of the schedule (an integer for DDIM and DPM++, possibly fractional for Euler)
     * @return epsilon or v, as the scheduler config's {@code prediction_type} says, shaped like {@code xIn}
     */
    Tensor apply(Tensor xIn, double t);

    /**
     * As {@link #apply(Tensor, double)}, told the position of the step: {@code i} counts from 0
     * over the steps this run takes and {@code n} is their number (for img2img, the steps after
     * the start index, as diffusers' ControlNet pipelines count them).
     */
    default Tensor apply(Tensor xIn, double t, int i, int n) { return apply(xIn, t); }
}
