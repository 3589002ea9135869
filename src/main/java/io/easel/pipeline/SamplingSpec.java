package io.easel.pipeline;

import io.easel.sampling.SamplerKind;

/**
 * How to sample.
 *
 * @param sampler the sampling method
 * @param steps   denoising steps (1..1000)
 * @param cfg     classifier-free guidance scale; 1 runs the conditional branch only
 * @param eta     DDIM's eta (0 = deterministic); must be 0 for other samplers
 * @param seed    seeds the one CPU generator of the run: same seed, same image as diffusers on CPU
 */
public record SamplingSpec(SamplerKind sampler, int steps, double cfg, double eta, long seed) {
    public static final double MAX_CFG = 30;

    public SamplingSpec {
        if (sampler == null) throw new IllegalArgumentException("sampler must be given");
        if (steps < 1 || steps > 1000) throw new IllegalArgumentException("--steps must be within 1..1000, got " + steps);
        if (!(cfg >= 1 && cfg <= MAX_CFG)) throw new IllegalArgumentException("--cfg must be within 1.." + (int) MAX_CFG + ", got " + cfg);
        if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("--eta must be within 0..1, got " + eta);
        if (eta != 0 && sampler != SamplerKind.DDIM) throw new IllegalArgumentException("--eta applies to the ddim sampler only");
    }
}
