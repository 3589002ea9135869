package io.easel.sampling;

import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * Runs a {@link Schedule} with a {@link Denoiser}: the denoising loop of diffusers' Stable
 * Diffusion pipelines, {@code x_in = scale_model_input(x, t); out = model(x_in, t);
 * x = step(out, t, x)}. Each step runs in its own {@link PointerScope}, so a step's temporaries
 * are freed when it ends.
 */
public final class Sampler {
    private Sampler() {}

    /** txt2img: every step of the plan from {@code x} (already scaled by {@code initNoiseSigma}), no listener. */
    public static Tensor sample(Schedule plan, Tensor x, Denoiser denoiser, Rng rng) {
        return sample(plan, x, denoiser, rng, 0, StepListener.NONE);
    }

    /**
     * Samples from step {@code startIndex} to the end of the plan.
     *
     * @param plan       the schedule
     * @param x          the starting latents [N,4,h,w]: noise times {@code initNoiseSigma} (txt2img), or
     *                   {@link Schedule#addNoise} of the init latents at {@code startIndex} (img2img);
     *                   not modified, not freed
     * @param denoiser   the model, called once per step with the step's position ({@code i} from 0, {@code n} steps)
     * @param rng        the run's generator: DDIM with eta &gt; 0 and Euler a draw their noise from it
     * @param startIndex the first step; {@link Schedule#startIndex(double)} for img2img, 0 for txt2img
     * @param listener   told after each step
     * @return the final latents, owned by the caller (attached to the caller's PointerScope if there is one);
     *         {@code x} itself when no step remains
     */
    public static Tensor sample(Schedule plan, Tensor x, Denoiser denoiser, Rng rng, int startIndex, StepListener listener) {
        double[] timesteps = plan.timesteps();
        if (startIndex < 0 || startIndex > timesteps.length)
            throw new IllegalArgumentException("start index " + startIndex + " outside 0.." + timesteps.length);
        int n = timesteps.length - startIndex;
        Tensor cur = x;
        boolean owned = false;  // cur is ours to free (not the caller's x)
        try (Stepper stepper = plan.newStepper()) {
            for (int k = 0; k < n; k++) {
                int i = startIndex + k;
                Tensor next;
                try (PointerScope scope = new PointerScope()) {
                    Tensor xIn = stepper.scaleModelInput(cur, i);
                    Tensor out = denoiser.apply(xIn, timesteps[i], k, n);
                    if (!Arrays.equals(T.shape(out), T.shape(cur)))
                        throw new IllegalStateException("denoiser returned " + T.shapeString(out) + " for latents " + T.shapeString(cur));
                    next = stepper.step(out, i, cur, rng);
                    next.retainReference();  // survives the scope
                }
                if (owned) cur.releaseReference();
                cur = next;
                owned = true;
                listener.onStep(k, n, cur);
            }
        }
        if (owned) {
            PointerScope outer = PointerScope.getInnerScope();
            if (outer != null) {  // hand the result to the caller's scope
                outer.attach(cur);
                cur.releaseReference();
            }
        }
        return cur;
    }
}
