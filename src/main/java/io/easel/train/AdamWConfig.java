package io.easel.train;

/**
 * Hyper-parameters of {@link AdamW}, named as {@code torch.optim.AdamW}'s arguments.
 *
 * @param lr          the base learning rate (a {@link LrSchedule} scales it per step)
 * @param beta1       {@code betas[0]}: decay of the first moment
 * @param beta2       {@code betas[1]}: decay of the second moment
 * @param eps         added to the bias-corrected root of the second moment
 * @param weightDecay decoupled weight decay: {@code p *= 1 - lr * weight_decay} before the Adam update
 */
public record AdamWConfig(double lr, double beta1, double beta2, double eps, double weightDecay) {
    /** The defaults of diffusers' training scripts: lr 1e-4, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public static final AdamWConfig DIFFUSERS = new AdamWConfig(1e-4, 0.9, 0.999, 1e-8, 1e-2);

    public AdamWConfig {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(eps >= 0)) throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }

    public AdamWConfig withLr(double v) { return new AdamWConfig(v, beta1, beta2, eps, weightDecay); }

    public AdamWConfig withWeightDecay(double v) { return new AdamWConfig(lr, beta1, beta2, eps, v); }
}
