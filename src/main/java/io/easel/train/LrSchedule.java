package io.easel.train;

/**
 * The learning-rate multiplier of each optimizer step, as diffusers' {@code get_scheduler}
 * computes it (a {@code LambdaLR} stepped after every optimizer step, so step 0 uses the
 * multiplier at 0): a linear warm-up from 0 over {@code warmupSteps}, then constant or a
 * half-cosine decay to 0 at {@code totalSteps}.
 *
 * @param shape       what follows the warm-up
 * @param warmupSteps steps of linear warm-up ({@code lr * step / warmup}); 0 for none
 * @param totalSteps  the step the cosine reaches 0 (ignored by {@link Shape#CONSTANT})
 */
public record LrSchedule(Shape shape, long warmupSteps, long totalSteps) {
    /** What follows the warm-up. */
    public enum Shape {
        /** diffusers {@code constant} / {@code constant_with_warmup}. */
        CONSTANT("constant"),
        /** diffusers {@code cosine} (half a cycle). */
        COSINE("cosine");

        public final String cliName;
        Shape(String n) { cliName = n; }

        /** Parses "constant" or "cosine" (also diffusers' "constant_with_warmup"). */
        public static Shape parse(String s) {
            return switch (s) {
                case "constant", "constant_with_warmup" -> CONSTANT;
                case "cosine" -> COSINE;
                default -> throw new IllegalArgumentException("unknown learning-rate schedule '" + s + "' (expected constant or cosine)");
            };
        }
    }

    /** A constant learning rate with no warm-up. */
    public static final LrSchedule CONSTANT = new LrSchedule(Shape.CONSTANT, 0, 0);

    public LrSchedule {
        if (shape == null) throw new IllegalArgumentException("learning-rate schedule shape must be set");
        if (warmupSteps < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        if (shape == Shape.COSINE && totalSteps <= warmupSteps)
            throw new IllegalArgumentException("cosine schedule needs more total steps (" + totalSteps + ") than warm-up steps (" + warmupSteps + ")");
    }

    /** Linear warm-up over {@code warmupSteps}, then constant. */
    public static LrSchedule warmup(long warmupSteps) { return new LrSchedule(Shape.CONSTANT, warmupSteps, 0); }

    /** The multiplier of the base learning rate at optimizer step {@code step} (from 0). */
    public double factor(long step) {
        if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
        if (shape == Shape.CONSTANT) return 1.0;
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
    }
}
