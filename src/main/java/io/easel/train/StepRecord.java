package io.easel.train;

/**
 * What one optimizer step did; one line of {@code train_log.jsonl}.
 *
 * @param step           optimizer steps completed (1 for the first)
 * @param loss           mean loss of the step's micro-batches
 * @param lr             learning rate the step used
 * @param gradNorm       global gradient L2 norm before clipping
 * @param stepsPerSecond this step's speed
 * @param elapsedSeconds training time so far, summed over resumed runs
 */
public record StepRecord(long step, double loss, double lr, double gradNorm, double stepsPerSecond, double elapsedSeconds) {}
