package io.easel.train.recipes;

import io.easel.models.clip.CLIPTextModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.pipeline.TextConditioning;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.train.DiffusionStep;
import io.easel.train.Objective;
import io.easel.train.data.Example;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.LatentCache;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The text-to-image loss of one micro-batch of examples with a frozen VAE and text encoder:
 * latents sampled from the VAE posterior and scaled, captions dropped to "" with probability
 * {@code captionDropout}, encoded as generation encodes prompts, then {@link DiffusionStep}.
 * Draws from the step's generator in this order: latent sample, dropout coins (only when
 * 0 &lt; p &lt; 1), noise, timesteps. With a {@link LatentCache} the posteriors come from disk and
 * the latent sample is still drawn here, so cached and uncached runs draw the same numbers.
 */
public final class TextToImageObjective implements Objective<List<Example>> {
    private final DiffusionStep step;
    private final ImageBatches images;
    private final AutoencoderKL vae;
    private final LatentCache cache;
    private final ClipTokenizer tokenizer;
    private final CLIPTextModel textEncoder;
    private final ClipTokenizer.Padding padding;
    private final double captionDropout;
    private final double scalingFactor;
    private BiConsumer<List<String>, Tensor> contextListener;

    TextToImageObjective(DiffusionStep step, ImageBatches images, AutoencoderKL vae, LatentCache cache, ClipTokenizer tokenizer,
                         CLIPTextModel textEncoder, ClipTokenizer.Padding padding, double captionDropout) {
        this.step = step;
        this.images = images;
        this.vae = vae;
        this.cache = cache;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.padding = padding;
        this.captionDropout = captionDropout;
        this.scalingFactor = vae.config().scalingFactor();
    }

    /** Told the prompts and the context [B,77,D] of every micro-batch (the tensor lives until the step ends). */
    public void onContext(BiConsumer<List<String>, Tensor> listener) { this.contextListener = listener; }

    @Override public Tensor loss(List<Example> batch, Generator gen) {
        Tensor latents, ctx;
        try (NoGradGuard g = new NoGradGuard()) {
            // 1. latents: a posterior sample, scaled as the pipeline unscales it before decoding
            latents = posterior(batch).sample(gen).mul(T.s(scalingFactor));
            // 2. context: captions (some dropped to "") through the frozen text encoder
            List<String> prompts = prompts(batch, gen);
            ctx = TextConditioning.encodeTruncated(tokenizer, textEncoder, padding, prompts);
            if (contextListener != null) contextListener.accept(prompts, ctx);
        }
        // 3. the denoising loss; gradients reach the UNet only
        return step.compute(latents, ctx, gen, null).loss();
    }

    /** The VAE posterior of the batch's images: [B,C,S/f,S/f] mean and log-variance. */
    AutoencoderKL.Posterior posterior(List<Example> batch) {
        if (cache == null) {
            List<Tensor> px = new ArrayList<>(batch.size());
            for (Example e : batch) px.add(images.image(e));
            return vae.encode(T.cat(px, 0));
        }
        List<Tensor> mean = new ArrayList<>(batch.size()), logvar = new ArrayList<>(batch.size());
        for (Example e : batch) {
            AutoencoderKL.Posterior p = cache.posterior(e.image(), () -> images.image(e), vae);
            mean.add(p.mean());
            logvar.add(p.logvar());
        }
        return new AutoencoderKL.Posterior(T.cat(mean, 0), T.cat(logvar, 0));
    }

    /** The batch's captions, each replaced by "" with probability {@code captionDropout}. */
    List<String> prompts(List<Example> batch, Generator gen) {
        List<String> out = new ArrayList<>(batch.size());
        if (captionDropout >= 1) {
            for (int i = 0; i < batch.size(); i++) out.add("");
            return out;
        }
        float[] coins = captionDropout > 0
                ? T.toFloats(torch.rand(new long[]{batch.size()}, new GeneratorOptional(gen), T.opts(torch.ScalarType.Float)))
                : null;
        for (int i = 0; i < batch.size(); i++) out.add(coins != null && coins[i] < captionDropout ? "" : batch.get(i).caption());
        return out;
    }

    int cacheHits() { return cache == null ? 0 : cache.hits(); }

    int cacheMisses() { return cache == null ? 0 : cache.misses(); }
}
