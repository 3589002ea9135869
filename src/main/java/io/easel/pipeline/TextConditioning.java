package io.easel.pipeline;

import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.weights.Family;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * How prompts become the UNet's context, shared by generation ({@link Diffusion}) and training
 * (the text-to-image recipe), so that a model is trained on exactly the token ids and padding it
 * is later sampled with.
 */
public final class TextConditioning {
    private TextConditioning() {}

    /** The family a diffusers UNet config belongs to: SD2 has 1024-wide context or linear projections. */
    public static Family family(UNet2DConditionConfig unet) {
        return unet.crossAttentionDim() == 1024 || unet.useLinearProjection() ? Family.SD2 : Family.SD1;
    }

    /** SD1 pads prompts with the end token, SD2 (OpenCLIP) with 0. */
    public static ClipTokenizer.Padding padding(Family family) {
        return family == Family.SD2 ? ClipTokenizer.Padding.SD2 : ClipTokenizer.Padding.SD1;
    }

    /**
     * One prompt's context: every 77-id chunk encoded on its own and the encodings concatenated.
     * chunks of 77 ids -> [1, 77*chunks, D]
     */
    public static Tensor encodeChunks(CLIPTextModel textEncoder, List<long[]> chunks, int clipSkip) {
        List<Tensor> parts = new ArrayList<>();
        for (long[] ids : chunks) parts.add(textEncoder.forward(T.fromLongs(ids, 1, ids.length), clipSkip));
        return parts.size() == 1 ? parts.get(0) : T.cat(parts, 1);
    }

    /**
     * The contexts of a batch of prompts as diffusers' training scripts tokenize them
     * ({@code padding="max_length", truncation=True}): each prompt one 77-id window, the same
     * window {@link ClipTokenizer#chunks} gives a prompt of at most 75 tokens, so a caption is
     * encoded for training exactly as generation encodes it; longer prompts are cut after 75 tokens.
     * prompts (B) -> [B,77,D], the text encoder's last layer (clip skip 1)
     */
    public static Tensor encodeTruncated(ClipTokenizer tokenizer, CLIPTextModel textEncoder, ClipTokenizer.Padding padding, List<String> prompts) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("no prompts to encode");
        long[] ids = new long[prompts.size() * ClipTokenizer.MAX_LENGTH];
        for (int i = 0; i < prompts.size(); i++)
            System.arraycopy(tokenizer.ids(prompts.get(i), padding), 0, ids, i * ClipTokenizer.MAX_LENGTH, ClipTokenizer.MAX_LENGTH);
        return textEncoder.forward(T.fromLongs(ids, prompts.size(), ClipTokenizer.MAX_LENGTH), 1);
    }
}
