package io.easel.train.recipes;

import io.easel.train.AdamWConfig;
import io.easel.train.LrSchedule;
import io.easel.train.TrainerConfig;

import java.nio.file.Path;

/**
 * The shared settings of a recipe run, with every default already resolved by the recipe.
 *
 * @param output          the run folder
 * @param seed            run seed
 * @param steps           optimizer steps
 * @param batchSize       examples per micro-batch
 * @param gradAccumulation micro-batches per step
 * @param optimizer       AdamW hyper-parameters (lr is the base rate)
 * @param lrSchedule      warm-up and shape
 * @param maxGradNorm     gradient clip, 0 for none
 * @param checkpointEvery steps between checkpoints
 * @param keepCheckpoints checkpoints kept, 0 all
 * @param resume          continue from the latest checkpoint in the folder
 * @param latentCache     folder of cached VAE latents, or null for none
 * @param progress        draw a progress bar
 */
public record RecipeRun(Path output, long seed, long steps, int batchSize, int gradAccumulation, AdamWConfig optimizer,
                        LrSchedule lrSchedule, double maxGradNorm, long checkpointEvery, int keepCheckpoints, boolean resume,
                        Path latentCache, boolean progress) {

    /** The trainer's configuration for {@code recipe}. */
    public TrainerConfig trainerConfig(String recipe) {
        return TrainerConfig.builder(output.resolve("checkpoints"), recipe)
                .seed(seed).batchSize(batchSize).gradAccumulation(gradAccumulation).maxSteps(steps)
                .optimizer(optimizer).lrSchedule(lrSchedule).maxGradNorm(maxGradNorm)
                .checkpointEvery(checkpointEvery).keepCheckpoints(keepCheckpoints)
                .resume(resume ? TrainerConfig.Resume.LATEST : TrainerConfig.Resume.NEVER)
                .progress(progress).build();
    }
}
