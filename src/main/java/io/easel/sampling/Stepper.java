package io.easel.sampling;

import org.bytedeco.pytorch.Tensor;

/**
 * One diffusers scheduler's per-step arithmetic over a {@link Schedule}: {@code scale_model_input}
 * and {@code step}, addressed by step index. Scalars are computed in float32, as diffusers does
 * with its 0-dim float32 tensors, and applied as tensor-scalar ops.
 */
interface Stepper extends AutoCloseable {
    /** The model input at step {@code i}. */
    Tensor scaleModelInput(Tensor x, int i);

    /** The latents after step {@code i}, from the model output at step {@code i}. */
    Tensor step(Tensor modelOutput, int i, Tensor x, Rng rng);

    /** Releases state kept between steps. */
    @Override default void close() {}
}
