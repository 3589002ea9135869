package io.easel.weights;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.vae.AutoencoderKLConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint header says about the model in it, found by {@link Detection} from key
 * names and shapes only. Head counts follow the real files' conventions unless
 * {@link ArchOverrides} gave them. The prediction type (epsilon / v) is not in the weights:
 * see {@link Family#defaultPredictionType()}.
 *
 * @param family         SD1 or SD2; null when the file alone cannot tell (a lone VAE)
 * @param layout         how the file names its tensors
 * @param unet           the UNet, or for a ControlNet its encoder half (up blocks mirrored,
 *                       {@code outChannels} meaningless); null when the file has none
 * @param vae            null when the file has none
 * @param textEncoder    as transformers runs it (SD2: the layers SD2 uses); null when the file has none
 * @param controlNet     the ControlNet's hint network; null unless the file is a ControlNet
 * @param inpainting     a UNet with 9 input channels (latents, mask, masked-image latents)
 * @param hasEma         the file carries EMA copies ({@code model_ema.*}), ignored
 * @param dtype          the stored dtype of most parameters (safetensors name, e.g. "F16")
 * @param parameterCount scalar parameters of the mapped components
 * @param ignored        known extras that were ignored, counted by reason
 * @param unknownKeys    keys no table knows (loading the component they sit in will fail)
 */
public record Detected(
        Family family,
        Layout layout,
        UNet2DConditionConfig unet,
        AutoencoderKLConfig vae,
        CLIPTextConfig textEncoder,
        ControlNetHint controlNet,
        boolean inpainting,
        boolean hasEma,
        String dtype,
        long parameterCount,
        Map<String, Integer> ignored,
        List<String> unknownKeys) {

    /**
     * A ControlNet's conditioning-embedding network, as diffusers' ControlNetModel config names it.
     *
     * @param conditioningChannels            channels of the condition image (3)
     * @param conditioningEmbeddingOutChannels the hint convs' widths per stage ((16, 32, 96, 256) in the real ones)
     */
    public record ControlNetHint(int conditioningChannels, List<Integer> conditioningEmbeddingOutChannels) {
        public ControlNetHint {
            conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
        }
    }

    public Detected {
        ignored = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ignored));
        unknownKeys = List.copyOf(unknownKeys);
    }

    /** Number of ignored known extras. */
    public int ignoredKeys() { return ignored.values().stream().mapToInt(Integer::intValue).sum(); }

    public boolean isControlNet() { return controlNet != null; }

    /** Lines for {@code easel info}. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("layout " + layout.label() + (family == null ? "" : ", family " + family.label()
                + " (prediction type not in the weights; default " + family.defaultPredictionType() + ")"));
        if (unet != null)
            out.add((controlNet != null ? "ControlNet" : "UNet") + ": in_channels " + unet.inChannels() + (inpainting ? " (inpainting)" : "")
                    + ", block_out_channels " + unet.blockOutChannels() + ", layers_per_block " + unet.layersPerBlock()
                    + ", cross_attention_dim " + unet.crossAttentionDim() + ", heads " + unet.attentionHeadDim()
                    + (unet.useLinearProjection() ? ", linear projections" : ", conv projections"));
        if (controlNet != null)
            out.add("hint network: conditioning_channels " + controlNet.conditioningChannels() + ", conditioning_embedding_out_channels " + controlNet.conditioningEmbeddingOutChannels());
        if (vae != null)
            out.add("VAE: latent_channels " + vae.latentChannels() + ", block_out_channels " + vae.blockOutChannels() + ", layers_per_block " + vae.layersPerBlock());
        if (textEncoder != null)
            out.add("text encoder: hidden_size " + textEncoder.hiddenSize() + ", " + textEncoder.numHiddenLayers() + " layers, "
                    + textEncoder.numAttentionHeads() + " heads, intermediate_size " + textEncoder.intermediateSize() + ", " + textEncoder.hiddenAct());
        out.add(String.format("%,d parameters, %s", parameterCount, dtype));
        if (!ignored.isEmpty()) {
            List<String> parts = new ArrayList<>();
            ignored.forEach((why, n) -> parts.add(n + " " + why));
            out.add("ignored " + String.join(", ", parts));
        }
        if (!unknownKeys.isEmpty())
            out.add(unknownKeys.size() + " unknown keys: " + String.join(", ", unknownKeys.subList(0, Math.min(10, unknownKeys.size())))
                    + (unknownKeys.size() > 10 ? ", ..." : ""));
        return out;
    }
}
