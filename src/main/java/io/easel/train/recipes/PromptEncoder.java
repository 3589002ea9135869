package io.easel.train.recipes;

import io.easel.models.clip.CLIPTextModel;
import io.easel.pipeline.StableDiffusion;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.List;

/**
 * Training captions as the frozen text encoder's context, with prompt dropout. A caption becomes
 * one 77-token window of the pipeline's tokenizer and padding ({@link ClipTokenizer#ids}: the
 * first 75 tokens, as diffusers' training scripts truncate at {@code max_length}) and is encoded
 * at the last layer, as the pipeline encodes a prompt of up to 75 tokens.
 *
 * <p>Dropout replaces a caption by the empty prompt, which is what classifier-free guidance's
 * unconditional branch sees at inference. Its draws come from the step's generator, one uniform
 * number per caption whatever the rate, so a run is reproducible and the later draws of a step
 * (latents, noise, timesteps) do not depend on the rate.
 */
public final class PromptEncoder {
    private final ClipTokenizer tokenizer;
    private final ClipTokenizer.Padding padding;
    private final CLIPTextModel textEncoder;

    public PromptEncoder(ClipTokenizer tokenizer, ClipTokenizer.Padding padding, CLIPTextModel textEncoder) {
        this.tokenizer = tokenizer;
        this.padding = padding;
        this.textEncoder = textEncoder;
    }

    /** The pipeline's tokenizer, padding and text encoder. */
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

    /** captions: B strings -> context [B,77,D] float32, without gradients; dropout draws from {@code gen} first. */
    public Tensor encode(List<String> captions, double dropout, Generator gen) {
        boolean[] drop = dropMask(captions.size(), dropout, gen);
        int n = ClipTokenizer.MAX_LENGTH;
        long[] ids = new long[captions.size() * n];
        for (int i = 0; i < drop.length; i++) System.arraycopy(tokenizer.ids(drop[i] ? "" : captions.get(i), padding), 0, ids, i * n, n);
        try (NoGradGuard g = new NoGradGuard()) {
            return textEncoder.forward(T.fromLongs(ids, captions.size(), n), 1).to(ScalarType.Float);
        }
    }
}
