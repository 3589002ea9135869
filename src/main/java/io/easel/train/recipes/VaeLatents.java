package io.easel.train.recipes;

import io.easel.models.vae.AutoencoderKL;
import io.easel.tensor.T;
import io.easel.train.data.Example;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.LatentCache;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Training images as latents of the frozen VAE, as diffusers' scripts make them:
 * {@code vae.encode(pixels).latent_dist.sample() * scaling_factor}, the sample drawn from the
 * step's generator. With a {@link LatentCache} the posteriors come from disk (computed once per
 * image); the draw is the same, so a cached run equals an uncached one up to the encoder's
 * batch-size rounding. The one latent source of the diffusion recipes (text-to-image UNet and
 * ControlNet).
 */
public final class VaeLatents {
    private final AutoencoderKL vae;
    private final double scalingFactor;
    private final LatentCache cache;

    /**
     * @param vae           the frozen VAE
     * @param scalingFactor its latent scaling factor
     * @param cache         where posteriors are cached, or null to encode every step
     */
    public VaeLatents(AutoencoderKL vae, double scalingFactor, LatentCache cache) {
        this.vae = vae;
        this.scalingFactor = scalingFactor;
        this.cache = cache;
    }

    /** The frozen VAE and its own scaling factor ({@code scaling_factor} of its config). */
    public VaeLatents(AutoencoderKL vae, LatentCache cache) { this(vae, vae.config().scalingFactor(), cache); }

    /** Where posteriors are cached, or null. */
    public LatentCache cache() { return cache; }

    /** Cache lookups answered from disk so far (0 without a cache). */
    public int cacheHits() { return cache == null ? 0 : cache.hits(); }

    /** Posteriors computed and stored so far (0 without a cache). */
    public int cacheMisses() { return cache == null ? 0 : cache.misses(); }

    /** batch images [B,3,S,S] in [-1, 1] -> latents [B,C,S/f,S/f] float32, sampled from {@code gen}. */
    public Tensor sample(ImageBatches.Batch b, Generator gen) {
        return sample(b.examples(), i -> b.images().narrow(0, i, 1), gen);
    }

    /**
     * The latents of {@code examples}, whose images are read only when they must be encoded.
     * pixels(i): example i's image [1,3,S,S] in [-1, 1] -> latents [B,C,S/f,S/f] float32, sampled from {@code gen}.
     */
    public Tensor sample(List<Example> examples, IntFunction<Tensor> pixels, Generator gen) {
        try (NoGradGuard g = new NoGradGuard()) {
            return posterior(examples, pixels).sample(gen).to(ScalarType.Float).mul(T.s(scalingFactor));
        }
    }

    /** The posterior of {@code examples}: mean and log-variance [B,C,S/f,S/f], from the cache where there is one. */
    public AutoencoderKL.Posterior posterior(List<Example> examples, IntFunction<Tensor> pixels) {
        List<Tensor> px = new ArrayList<>(examples.size()), means = new ArrayList<>(examples.size()), logvars = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            if (cache == null) {
                px.add(pixels.apply(i));
                continue;
            }
            int row = i;
            AutoencoderKL.Posterior p = cache.posterior(examples.get(i).image(), () -> pixels.apply(row), vae);
            means.add(p.mean());
            logvars.add(p.logvar());
        }
        return cache == null ? vae.encode(T.cat(px, 0)) : new AutoencoderKL.Posterior(T.cat(means, 0), T.cat(logvars, 0));
    }
}
