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

/**
 * Training images as latents of the frozen VAE, as diffusers' scripts make them:
 * {@code vae.encode(pixels).latent_dist.sample() * scaling_factor}, the sample drawn from the
 * step's generator. With a {@link LatentCache} the posteriors come from disk (computed once per
 * image); the draw is the same, so a cached run equals an uncached one up to the encoder's
 * batch-size rounding.
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

    public LatentCache cache() { return cache; }

    /** batch images [B,3,S,S] in [-1, 1] -> latents [B,C,S/f,S/f] float32, sampled from {@code gen}. */
    public Tensor sample(ImageBatches.Batch b, Generator gen) {
        try (NoGradGuard g = new NoGradGuard()) {
            AutoencoderKL.Posterior p;
            if (cache == null) {
                p = vae.encode(b.images());
            } else {
                List<Tensor> means = new ArrayList<>(), logvars = new ArrayList<>();
                for (int i = 0; i < b.examples().size(); i++) {
                    Example e = b.examples().get(i);
                    long row = i;
                    AutoencoderKL.Posterior pi = cache.posterior(e.image(), () -> b.images().narrow(0, row, 1), vae);
                    means.add(pi.mean());
                    logvars.add(pi.logvar());
                }
                p = new AutoencoderKL.Posterior(T.cat(means, 0), T.cat(logvars, 0));
            }
            return p.sample(gen).to(ScalarType.Float).mul(T.s(scalingFactor));
        }
    }
}
