package io.easel.train.recipes;

import io.easel.train.DiffusionStep;
import io.easel.train.Objective;
import io.easel.train.data.Example;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.LatentCache;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The text-to-image loss of one micro-batch of examples with a frozen VAE and a text encoder that
 * is frozen unless the recipe trains it too:
 * captions dropped to "" with probability {@code captionDropout} and encoded as generation
 * encodes prompts ({@link PromptEncoder}), latents sampled from the VAE posterior and scaled
 * ({@link VaeLatents}), then {@link DiffusionStep}. Draws from the step's generator in this order,
 * as the ControlNet recipe's: dropout (one uniform number per caption, whatever the rate), latent
 * sample, noise, timesteps. With a {@link LatentCache} the posteriors come from disk and the
 * latent sample is still drawn here, so cached and uncached runs draw the same numbers.
 */
public final class TextToImageObjective implements Objective<List<Example>> {
    private final DiffusionStep step;
    private final ImageBatches images;
    private final VaeLatents latents;
    private final PromptEncoder text;
    private final double captionDropout;
    private BiConsumer<List<String>, Tensor> contextListener;

    TextToImageObjective(DiffusionStep step, ImageBatches images, VaeLatents latents, PromptEncoder text, double captionDropout) {
        this.step = step;
        this.images = images;
        this.latents = latents;
        this.text = text;
        this.captionDropout = captionDropout;
    }

    /** Told the prompts and the context [B,77,D] of every micro-batch (the tensor lives until the step ends). */
    public void onContext(BiConsumer<List<String>, Tensor> listener) { this.contextListener = listener; }

    @Override public Tensor loss(List<Example> batch, Generator gen) {
        // 1. context: captions (some dropped to "") through the text encoder
        List<String> captions = new ArrayList<>(batch.size());
        for (Example e : batch) captions.add(e.caption());
        List<String> prompts = PromptEncoder.withDropout(captions, captionDropout, gen);
        Tensor ctx = text.encode(prompts);
        if (contextListener != null) contextListener.accept(prompts, ctx);
        // 2. latents: a posterior sample, scaled as the pipeline unscales it before decoding
        Tensor z = latents.sample(batch, i -> images.image(batch.get(i)), gen);
        // 3. the denoising loss; gradients reach the UNet (and the text encoder when it is trained)
        return step.compute(z, ctx, gen, null).loss();
    }

    /** The frozen VAE's latents (and their cache). */
    VaeLatents latents() { return latents; }
}
