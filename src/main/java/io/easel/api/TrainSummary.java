package io.easel.api;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a training recipe produced.
 *
 * @param recipe     the recipe's name
 * @param finalModel the published model folder (e.g. {@code OUT/final/vae})
 * @param steps      optimizer steps completed
 * @param resumed    whether the run continued from a checkpoint
 * @param lastLoss   the last step's loss
 * @param metrics    the recipe's final numbers by name (also in {@code OUT/final/metrics.json})
 * @param text       a one-line human summary
 */
public record TrainSummary(String recipe, Path finalModel, long steps, boolean resumed, double lastLoss, Map<String, Double> metrics, String text) {
    public TrainSummary {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }
}
