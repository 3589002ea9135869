package io.easel.weights;

import java.util.Locale;

/** The Stable Diffusion generation a checkpoint belongs to. */
public enum Family {
    /** SD 1.x: OpenAI CLIP ViT-L/14 text encoder (quick_gelu), 8 heads everywhere, conv 1x1 projections. */
    SD1("sd1", "epsilon"),
    /** SD 2.x: OpenCLIP ViT-H/14 (gelu, penultimate layer), 64-wide heads, linear projections, upcast attention. */
    SD2("sd2", "v_prediction");

    private final String label;
    private final String defaultPredictionType;

    Family(String label, String defaultPredictionType) {
        this.label = label;
        this.defaultPredictionType = defaultPredictionType;
    }

    public String label() { return label; }

    /**
     * What the model predicts, when the user and the config say nothing. The weights cannot
     * tell: SD2.x 768-v models predict v, SD2.x 512-base models predict epsilon, with identical
     * shapes. SD2 therefore defaults to v_prediction (the common 768-v) and must be overridden
     * for 512-base checkpoints.
     */
    public String defaultPredictionType() { return defaultPredictionType; }

    @Override public String toString() { return label; }

    /** Parses a user's {@code --arch}: sd1, sd15, sd1.5, sd2, sd21, sd2.1 (any case). */
    public static Family parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT).replace(".", "").replace("-", "");
        return switch (v) {
            case "sd1", "sd15", "sd14", "v1" -> SD1;
            case "sd2", "sd20", "sd21", "v2" -> SD2;
            default -> throw new IllegalArgumentException("unknown architecture '" + s + "' (sd1 or sd2)");
        };
    }
}
