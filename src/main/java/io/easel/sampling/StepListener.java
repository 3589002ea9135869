package io.easel.sampling;

import org.bytedeco.pytorch.Tensor;

/** Told after every sampling step; for progress reports and previews. */
@FunctionalInterface
public interface StepListener {
    /**
     * @param i the step just taken, counting from 0 over the steps of this run
     * @param n the number of steps this run takes
     * @param x the latents after the step; valid during the call only ({@code clone()} to keep)
     */
    void onStep(int i, int n, Tensor x);

    StepListener NONE = (i, n, x) -> {};
}
