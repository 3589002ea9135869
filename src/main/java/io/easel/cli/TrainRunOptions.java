package io.easel.cli;

import io.easel.api.TrainRun;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every {@code easel train <recipe>} takes; defaults left at 0 are the recipe's own (see its description). */
final class TrainRunOptions {
    @Option(names = {"-o", "--output"}, required = true, description = "Run folder: OUT/checkpoints/ holds the checkpoints, train_log.jsonl and loss.png; OUT/final/ the trained model "
            + "(the recipe's description says what it holds); OUT/latent-cache/ the cached latents with --cache-latents (unless --cache-dir).")
    Path output;
    @Option(names = "--seed", defaultValue = "0", description = "Run seed: data order and every random draw (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--steps", defaultValue = "0", description = "Optimizer steps (default: the recipe's).")
    long steps;
    @Option(names = "--batch-size", defaultValue = "0", description = "Examples per micro-batch (default: the recipe's).")
    int batchSize;
    @Option(names = "--grad-accumulation", defaultValue = "1", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int gradAccumulation;
    @Option(names = "--lr", description = "Base learning rate of AdamW (default: the recipe's).")
    Double lr;
    @Option(names = "--lr-schedule", description = "constant or cosine, after the warm-up (default: the recipe's).")
    String lrSchedule;
    @Option(names = "--warmup-steps", description = "Linear learning-rate warm-up steps (default: the recipe's).")
    Long warmupSteps;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Global gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Steps between checkpoints (default: the recipe's).")
    long checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "2", description = "Checkpoints kept, oldest removed first; 0 keeps all (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;
    @Option(names = "--fresh", description = "Refuse to start when the run folder already holds checkpoints (by default a run resumes from the latest).")
    boolean fresh;
    @Option(names = "--cache-latents", description = "Cache the frozen VAE's latents on disk (OUT/latent-cache unless --cache-dir).")
    boolean cacheLatents;
    @Option(names = "--cache-dir", description = "Folder for cached latents.")
    Path cacheDir;
    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads, 0 for all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    TrainRun toRun() {
        return new TrainRun(output, seed, steps, batchSize, gradAccumulation, lr == null ? Double.NaN : lr, lrSchedule, warmupSteps == null ? -1 : warmupSteps,
                maxGradNorm, checkpointEvery, keepCheckpoints, !fresh, cacheLatents || cacheDir != null, cacheDir, threads);
    }
}
