package io.easel.train;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * What training minimises: the scalar loss of one micro-batch. Every random draw (noise,
 * timesteps, prompt dropout) must come from {@code gen}, which the trainer seeds per micro-step
 * from the run's seed, so that a run is reproducible and a resume continues exactly.
 */
@FunctionalInterface
public interface Objective<B> {
    Tensor loss(B batch, Generator gen);
}
