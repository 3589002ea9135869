package io.easel.train;

import java.nio.file.Path;

/**
 * Everything that decides a training run besides the models and the data.
 *
 * @param outputDir         where checkpoints, {@code train_log.jsonl} and {@code loss.png} go
 * @param recipe            the recipe's name, recorded in checkpoints (a resume under another recipe is refused)
 * @param seed              the run seed: the data order and every random draw derive from it
 * @param batchSize         examples per micro-batch
 * @param gradAccumulation  micro-batches per optimizer step (their gradients are averaged)
 * @param maxSteps          optimizer steps of the whole run
 * @param optimizer         AdamW hyper-parameters; {@code optimizer.lr()} is the base learning rate
 * @param lrSchedule        the multiplier of the base learning rate per step
 * @param maxGradNorm       global L2 gradient-norm clip; 0 for none (the norm is still logged)
 * @param checkpointEvery   steps between checkpoints; a final one is always written
 * @param keepCheckpoints   how many checkpoints to keep (oldest removed first); 0 keeps all
 * @param shuffle           shuffle the examples per epoch (from the seed)
 * @param resume            what to do when the output folder already holds checkpoints
 * @param progress          draw a progress bar on standard error
 */
public record TrainerConfig(
        Path outputDir,
        String recipe,
        long seed,
        int batchSize,
        int gradAccumulation,
        long maxSteps,
        AdamWConfig optimizer,
        LrSchedule lrSchedule,
        double maxGradNorm,
        long checkpointEvery,
        int keepCheckpoints,
        boolean shuffle,
        Resume resume,
        boolean progress) {

    /** What to do with checkpoints already in the output folder. */
    public enum Resume {
        /** Continue from the latest checkpoint there, or start afresh when there is none. */
        LATEST,
        /** Start afresh; refuse to run when the folder already holds checkpoints (nothing is overwritten). */
        NEVER
    }

    public TrainerConfig {
        if (outputDir == null) throw new IllegalArgumentException("an output folder is required");
        if (recipe == null || recipe.isBlank()) throw new IllegalArgumentException("a recipe name is required");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (gradAccumulation < 1) throw new IllegalArgumentException("gradient accumulation must be at least 1, got " + gradAccumulation);
        if (maxSteps < 1) throw new IllegalArgumentException("max steps must be at least 1, got " + maxSteps);
        if (optimizer == null) optimizer = AdamWConfig.DIFFUSERS;
        if (lrSchedule == null) lrSchedule = LrSchedule.CONSTANT;
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max gradient norm must be >= 0, got " + maxGradNorm);
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpoint interval must be at least 1 step, got " + checkpointEvery);
        if (keepCheckpoints < 0) throw new IllegalArgumentException("checkpoints to keep must be >= 0, got " + keepCheckpoints);
        if (resume == null) resume = Resume.LATEST;
    }

    /** A builder with diffusers' defaults: batch 1, no accumulation, AdamW 1e-4, clip 1.0, constant LR, checkpoint every 500. */
    public static Builder builder(Path outputDir, String recipe) { return new Builder(outputDir, recipe); }

    /** The base learning rate at optimizer step {@code step}. */
    public double lr(long step) { return optimizer.lr() * lrSchedule.factor(step); }

    /** Builds a {@link TrainerConfig}. */
    public static final class Builder {
        private final Path outputDir;
        private final String recipe;
        private long seed = 0;
        private int batchSize = 1, gradAccumulation = 1, keepCheckpoints = 0;
        private long maxSteps = 1000, checkpointEvery = 500;
        private AdamWConfig optimizer = AdamWConfig.DIFFUSERS;
        private LrSchedule lrSchedule = LrSchedule.CONSTANT;
        private double maxGradNorm = 1.0;
        private boolean shuffle = true, progress = false;
        private Resume resume = Resume.LATEST;

        private Builder(Path outputDir, String recipe) { this.outputDir = outputDir; this.recipe = recipe; }

        public Builder seed(long v) { seed = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder gradAccumulation(int v) { gradAccumulation = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder optimizer(AdamWConfig v) { optimizer = v; return this; }
        public Builder lr(double v) { optimizer = optimizer.withLr(v); return this; }
        public Builder lrSchedule(LrSchedule v) { lrSchedule = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder checkpointEvery(long v) { checkpointEvery = v; return this; }
        public Builder keepCheckpoints(int v) { keepCheckpoints = v; return this; }
        public Builder shuffle(boolean v) { shuffle = v; return this; }
        public Builder resume(Resume v) { resume = v; return this; }
        public Builder progress(boolean v) { progress = v; return this; }

        public TrainerConfig build() {
            return new TrainerConfig(outputDir, recipe, seed, batchSize, gradAccumulation, maxSteps, optimizer, lrSchedule,
                    maxGradNorm, checkpointEvery, keepCheckpoints, shuffle, resume, progress);
        }
    }
}
