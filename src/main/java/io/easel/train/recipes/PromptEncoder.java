package io.easel.train.recipes;

import io.easel.models.clip.CLIPTextModel;
import io.easel.pipeline.StableDiffusion;
import io.easel.pipeline.TextConditioning;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;

/**
 * Training captions as the frozen text encoder's context, with prompt dropout; the one caption
 * encoder of the diffusion recipes (text-to-image UNet and ControlNet). A caption becomes one
 * 77-token window of the pipeline's tokenizer and padding and is encoded at the last layer
 * ({@link TextConditioning#encodeTruncated}: the first 75 tokens, as diffusers' training scripts
 * truncate at {@code max_length}), as the pipeline encodes a prompt of up to 75 tokens.
 *
 * <p>Dropout replaces a caption by the empty prompt, which is what classifier-free guidance's
 * unconditional branch sees at inference. Its draws come from the step's generator before any
 * other draw of the step, one uniform number per caption whatever the rate, so a run is
 * reproducible and the later draws of a step (latents, noise, timesteps) do not depend on the rate.
 */
public final class PromptEncoder {
    private final ClipTokenizer tokenizer;
    private final ClipTokenizer.Padding padding;
    private final CLIPTextModel textEncoder;
    private final boolean trained;

    /** A frozen text encoder: contexts carry no gradient. */
    public PromptEncoder(ClipTokenizer tokenizer, ClipTokenizer.Padding padding, CLIPTextModel textEncoder) {
        this(tokenizer, padding, textEncoder, false);
    }

    /** With {@code trained}, contexts keep the autograd graph back to the text encoder's parameters. */
    public PromptEncoder(ClipTokenizer tokenizer, ClipTokenizer.Padding padding, CLIPTextModel textEncoder, boolean trained) {
        this.tokenizer = tokenizer;
        this.padding = padding;
        this.textEncoder = textEncoder;
        this.trained = trained;
    }

    /** The pipeline's tokenizer, padding and text encoder, frozen. */
    public static PromptEncoder of(StableDiffusion sd) { return new PromptEncoder(sd.tokenizer(), sd.padding(), sd.textEncoder()); }

    /**
     * Which of {@code n} captions are dropped: {@code n} uniform draws in [0, 1) from {@code gen},
     * caption {@code i} dropped when its draw is below {@code rate} (diffusers'
     * {@code random.random() < proportion_empty_prompts}).
     */
    public static boolean[] dropMask(int n, double rate, Generator gen) {
        if (!(rate >= 0 && rate <= 1)) throw new IllegalArgumentException("prompt dropout must be within [0, 1], got " + rate);
        float[] u = T.toFloats(torch.rand(new long[]{n}, new GeneratorOptional(gen), T.opts(ScalarType.Float)));
        boolean[] drop = new boolean[n];
        for (int i = 0; i < n; i++) drop[i] = u[i] < rate;
        return drop;
    }

    /** The prompts trained on: each caption, or "" where {@link #dropMask} drops it (draws from {@code gen}). */
    public static List<String> withDropout(List<String> captions, double dropout, Generator gen) {
        boolean[] drop = dropMask(captions.size(), dropout, gen);
        List<String> out = new ArrayList<>(captions.size());
        for (int i = 0; i < drop.length; i++) out.add(drop[i] ? "" : captions.get(i));
        return out;
    }

    /** prompts: B strings, used as given -> context [B,77,D] float32 (with gradients only when the encoder is trained). */
    public Tensor encode(List<String> prompts) {
        if (trained) return context(prompts);
        try (NoGradGuard g = new NoGradGuard()) {
            return context(prompts);
        }
    }

    private Tensor context(List<String> prompts) {
        return TextConditioning.encodeTruncated(tokenizer, textEncoder, padding, prompts).to(ScalarType.Float);
    }

    /** captions: B strings -> context [B,77,D] float32 as {@link #encode(List)}; dropout draws from {@code gen} first. */
    public Tensor encode(List<String> captions, double dropout, Generator gen) {
        return encode(withDropout(captions, dropout, gen));
    }
}
