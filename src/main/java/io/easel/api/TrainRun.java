package io.easel.api;

import java.nio.file.Path;

/**
 * The settings every training recipe shares (what {@code easel train <recipe>} takes besides its
 * recipe options). A recipe fills in its own defaults for the values left at 0 / NaN / null.
 *
 * @param output          the run folder: {@code output/checkpoints/} holds the checkpoints, {@code train_log.jsonl} and
 *                        {@code loss.png}; {@code output/final/} the trained model
 * @param seed            the run seed (data order and every random draw)
 * @param steps           optimizer steps; 0 for the recipe's default
 * @param batchSize       examples per micro-batch; 0 for the recipe's default
 * @param gradAccumulation micro-batches per optimizer step; at least 1
 * @param lr              base learning rate; NaN for the recipe's default
 * @param lrSchedule      "constant" or "cosine"; null for the recipe's default
 * @param warmupSteps     linear warm-up steps; -1 for the recipe's default (at most a tenth of the steps)
 * @param maxGradNorm     global gradient-norm clip, 0 for none
 * @param checkpointEvery steps between checkpoints; 0 for the recipe's default
 * @param keepCheckpoints checkpoints kept (0 keeps all)
 * @param resume          continue from the latest checkpoint in {@code output} (otherwise the folder must hold none)
 * @param cacheLatents    cache VAE latents on disk (recipes with a frozen VAE), under {@code output/latent-cache} unless {@code cacheDir}
 * @param cacheDir        where latents are cached, or null
 * @param threads         intra-op threads, 0 for all cores
 */
public record TrainRun(Path output, long seed, long steps, int batchSize, int gradAccumulation, double lr, String lrSchedule,
                       long warmupSteps, double maxGradNorm, long checkpointEvery, int keepCheckpoints, boolean resume,
                       boolean cacheLatents, Path cacheDir, int threads) {
    public TrainRun {
        if (output == null) throw new IllegalArgumentException("--output is required");
        if (steps < 0) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (batchSize < 0) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        if (gradAccumulation < 1) throw new IllegalArgumentException("--grad-accumulation must be >= 1, got " + gradAccumulation);
        if (warmupSteps < -1) throw new IllegalArgumentException("--warmup-steps must be >= 0, got " + warmupSteps);
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
    }

    /**
     * These settings with the recipe's defaults filled in, and the latent cache folder resolved;
     * also sets the intra-op thread count.
     */
    public io.easel.train.recipes.RecipeRun resolve(long defaultSteps, int defaultBatch, double defaultLr, long defaultCheckpointEvery, boolean progress) {
        return resolve(defaultSteps, defaultBatch, defaultLr, defaultCheckpointEvery, 0, "constant", progress);
    }

    /** As above, with the recipe's default warm-up and learning-rate schedule too. */
    public io.easel.train.recipes.RecipeRun resolve(long defaultSteps, int defaultBatch, double defaultLr, long defaultCheckpointEvery,
                                                    long defaultWarmup, String defaultSchedule, boolean progress) {
        if (threads > 0) io.easel.tensor.Native.setThreads(threads);
        long st = steps > 0 ? steps : defaultSteps;
        double rate = Double.isNaN(lr) ? defaultLr : lr;
        if (!(rate > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + rate);
        io.easel.train.LrSchedule.Shape shape;
        try {
            shape = io.easel.train.LrSchedule.Shape.parse(lrSchedule != null ? lrSchedule : defaultSchedule);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--lr-schedule: " + e.getMessage(), e);
        }
        // the recipe's warm-up, for short runs at most a tenth of them
        long warm = warmupSteps >= 0 ? warmupSteps : Math.min(defaultWarmup, st / 10);
        if (shape == io.easel.train.LrSchedule.Shape.COSINE && warm >= st)
            throw new IllegalArgumentException("--warmup-steps " + warm + " must be below --steps " + st + " for the cosine schedule");
        io.easel.train.LrSchedule sched = new io.easel.train.LrSchedule(shape, warm, st);
        Path cache = cacheLatents ? (cacheDir != null ? cacheDir : output.resolve("latent-cache")) : null;
        return new io.easel.train.recipes.RecipeRun(output, seed, st, batchSize > 0 ? batchSize : defaultBatch, gradAccumulation,
                io.easel.train.AdamWConfig.DIFFUSERS.withLr(rate), sched, maxGradNorm,
                checkpointEvery > 0 ? checkpointEvery : defaultCheckpointEvery, keepCheckpoints, resume, cache, progress);
    }

    /** Defaults everywhere except the output folder. */
    public static TrainRun defaults(Path output) {
        return new TrainRun(output, 0, 0, 0, 1, Double.NaN, null, -1, 1.0, 0, 2, true, false, null, 0);
    }

    public TrainRun withSteps(long v) {
        return new TrainRun(output, seed, v, batchSize, gradAccumulation, lr, lrSchedule, warmupSteps, maxGradNorm, checkpointEvery, keepCheckpoints, resume, cacheLatents, cacheDir, threads);
    }

    public TrainRun withBatchSize(int v) {
        return new TrainRun(output, seed, steps, v, gradAccumulation, lr, lrSchedule, warmupSteps, maxGradNorm, checkpointEvery, keepCheckpoints, resume, cacheLatents, cacheDir, threads);
    }

    public TrainRun withLr(double v) {
        return new TrainRun(output, seed, steps, batchSize, gradAccumulation, v, lrSchedule, warmupSteps, maxGradNorm, checkpointEvery, keepCheckpoints, resume, cacheLatents, cacheDir, threads);
    }
}
