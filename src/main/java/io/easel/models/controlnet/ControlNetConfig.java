package io.easel.models.controlnet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;
import io.easel.models.unet.UNet2DConditionConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Mirrors diffusers' ControlNetModel config.json (snake_case keys map to these names). The
 * encoder half ({@code in_channels} .. {@code freq_shift}) has the meaning it has in
 * {@link UNet2DConditionConfig}, and {@link #encoder()} gives it as one, so the ControlNet
 * builds its down and middle blocks with the UNet's own code. Options outside the Stable
 * Diffusion 1.x/2.x ControlNet are refused by name.
 *
 * @param attentionHeadDim                   diffusers' misnomer: the head count per down block (SD1: 8 everywhere)
 * @param conditioningChannels               channels of the condition image (3)
 * @param conditioningEmbeddingOutChannels   widths of the hint network's stages ((16, 32, 96, 256) in the
 *                                           published ControlNets); each stage after the first halves the size
 * @param controlnetConditioningChannelOrder the channel order the network was trained on; BGR images are flipped
 *                                           from the RGB the caller gives
 * @param globalPoolConditions               every residual is averaged over height and width (the v1.1
 *                                           "shuffle" ControlNet was trained that way)
 */
public record ControlNetConfig(
        int inChannels,
        int conditioningChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int crossAttentionDim,
        List<Integer> attentionHeadDim,
        List<String> downBlockTypes,
        int normNumGroups,
        double normEps,
        boolean useLinearProjection,
        boolean upcastAttention,
        boolean flipSinToCos,
        int freqShift,
        List<Integer> conditioningEmbeddingOutChannels,
        ChannelOrder controlnetConditioningChannelOrder,
        boolean globalPoolConditions) {

    /** diffusers' {@code controlnet_conditioning_channel_order}. */
    public enum ChannelOrder {
        RGB, BGR;

        /** Parses "rgb" / "bgr" (any case). */
        public static ChannelOrder parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "rgb" -> RGB;
                case "bgr" -> BGR;
                default -> throw new IllegalArgumentException("unknown controlnet_conditioning_channel_order '" + s + "' (rgb or bgr)");
            };
        }
    }

    /** The hint network of every published SD ControlNet. */
    public static final List<Integer> DEFAULT_HINT_CHANNELS = List.of(16, 32, 96, 256);

    /** A ControlNet for the real Stable Diffusion 1.5. */
    public static final ControlNetConfig SD15 = fromUNet(UNet2DConditionConfig.SD15);

    /** A ControlNet for the real Stable Diffusion 2.x (linear projections, context 1024). */
    public static final ControlNetConfig SD21 = fromUNet(UNet2DConditionConfig.SD21);

    public ControlNetConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        attentionHeadDim = List.copyOf(attentionHeadDim);
        downBlockTypes = List.copyOf(downBlockTypes);
        conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
        if (controlnetConditioningChannelOrder == null) throw new IllegalArgumentException("controlnet_conditioning_channel_order is required");
        if (conditioningEmbeddingOutChannels.isEmpty()) throw new IllegalArgumentException("conditioning_embedding_out_channels is empty");
        if (conditioningChannels <= 0) throw new IllegalArgumentException("conditioning_channels must be positive");
        // Let the UNet record check the encoder half (entries per block).
        new UNet2DConditionConfig(inChannels, inChannels, blockOutChannels, layersPerBlock, crossAttentionDim, attentionHeadDim,
                downBlockTypes, mirror(downBlockTypes), normNumGroups, normEps, useLinearProjection, upcastAttention, flipSinToCos, freqShift);
    }

    /**
     * The encoder this ControlNet copies, as a UNet config: its down blocks, middle block, time
     * embedding and conv_in are built from it. The UNet's up half is mirrored so the record is
     * well-formed; the ControlNet has none.
     */
    public UNet2DConditionConfig encoder() {
        return new UNet2DConditionConfig(inChannels, inChannels, blockOutChannels, layersPerBlock, crossAttentionDim, attentionHeadDim,
                downBlockTypes, mirror(downBlockTypes), normNumGroups, normEps, useLinearProjection, upcastAttention, flipSinToCos, freqShift);
    }

    private static List<String> mirror(List<String> down) {
        List<String> up = new ArrayList<>();
        for (int i = down.size() - 1; i >= 0; i--) up.add(down.get(i).replace("Down", "Up"));
        return up;
    }

    /** The number of down residuals: conv_in's output, every resnet(+transformer), every downsampler (12 for SD). */
    public int downResidualCount() {
        return 1 + blockOutChannels.size() * layersPerBlock + blockOutChannels.size() - 1;
    }

    /**
     * A ControlNet over the encoder of {@code unet}, with the published hint network
     * (3 channels in, {@link #DEFAULT_HINT_CHANNELS}), RGB, no pooling: diffusers'
     * {@code ControlNetModel.from_unet} defaults.
     */
    public static ControlNetConfig fromUNet(UNet2DConditionConfig unet) {
        return of(unet, 3, DEFAULT_HINT_CHANNELS, ChannelOrder.RGB, false);
    }

    /** A ControlNet whose encoder is {@code encoder}, with the given hint network. */
    public static ControlNetConfig of(UNet2DConditionConfig encoder, int conditioningChannels, List<Integer> conditioningEmbeddingOutChannels,
                                      ChannelOrder order, boolean globalPoolConditions) {
        return new ControlNetConfig(encoder.inChannels(), conditioningChannels, encoder.blockOutChannels(), encoder.layersPerBlock(),
                encoder.crossAttentionDim(), encoder.attentionHeadDim(), encoder.downBlockTypes(), encoder.normNumGroups(), encoder.normEps(),
                encoder.useLinearProjection(), encoder.upcastAttention(), encoder.flipSinToCos(), encoder.freqShift(),
                conditioningEmbeddingOutChannels, order, globalPoolConditions);
    }

    /** This config with other head counts per down block (a single file cannot tell them; the base UNet can). */
    public ControlNetConfig withAttentionHeadDim(List<Integer> heads) {
        return new ControlNetConfig(inChannels, conditioningChannels, blockOutChannels, layersPerBlock, crossAttentionDim, heads,
                downBlockTypes, normNumGroups, normEps, useLinearProjection, upcastAttention, flipSinToCos, freqShift,
                conditioningEmbeddingOutChannels, controlnetConditioningChannelOrder, globalPoolConditions);
    }

    /** This config with upcast attention on or off (numerics only; a single file cannot tell it). */
    public ControlNetConfig withUpcastAttention(boolean upcast) {
        return new ControlNetConfig(inChannels, conditioningChannels, blockOutChannels, layersPerBlock, crossAttentionDim, attentionHeadDim,
                downBlockTypes, normNumGroups, normEps, useLinearProjection, upcast, flipSinToCos, freqShift,
                conditioningEmbeddingOutChannels, controlnetConditioningChannelOrder, globalPoolConditions);
    }

    /** This config with residual pooling on or off (a single file cannot tell it either). */
    public ControlNetConfig withGlobalPoolConditions(boolean pool) {
        return new ControlNetConfig(inChannels, conditioningChannels, blockOutChannels, layersPerBlock, crossAttentionDim, attentionHeadDim,
                downBlockTypes, normNumGroups, normEps, useLinearProjection, upcastAttention, flipSinToCos, freqShift,
                conditioningEmbeddingOutChannels, controlnetConditioningChannelOrder, pool);
    }

    /**
     * Why this ControlNet cannot drive a UNet of config {@code base}, or null when it can. Its
     * residuals are added to the UNet's skips and middle block, so the levels, their channels
     * and the layers per level must agree; its cross-attention reads the same text context, so
     * the context widths must agree. (Input channels may differ: with an inpainting UNet the
     * ControlNet still sees the 4-channel latent.)
     */
    public String mismatch(UNet2DConditionConfig base) {
        if (crossAttentionDim != base.crossAttentionDim())
            return "ControlNet for context width " + crossAttentionDim + family(crossAttentionDim)
                    + " cannot drive a UNet with context width " + base.crossAttentionDim() + family(base.crossAttentionDim());
        if (!blockOutChannels.equals(base.blockOutChannels()))
            return "ControlNet with block_out_channels " + blockOutChannels + " cannot drive a UNet with block_out_channels " + base.blockOutChannels();
        if (layersPerBlock != base.layersPerBlock())
            return "ControlNet with " + layersPerBlock + " layers per block cannot drive a UNet with " + base.layersPerBlock();
        return null;
    }

    private static String family(int contextWidth) {
        return contextWidth == 768 ? " (SD1.x)" : contextWidth == 1024 ? " (SD2.x)" : "";
    }

    /** Reads a diffusers ControlNetModel config.json, refusing options outside the SD ControlNet by name. */
    public static ControlNetConfig fromJson(ConfigJson j) {
        String cls = j.getString("_class_name", "ControlNetModel");
        if (!cls.equals("ControlNetModel"))
            throw new IllegalArgumentException(j.where() + ": a " + cls + " config, not a ControlNetModel");
        for (String k : new String[]{"class_embed_type", "addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type",
                "num_class_embeds", "projection_class_embeddings_input_dim", "addition_time_embed_dim"})
            j.refuseUnless(k, null);
        j.refuseUnless("act_fn", "silu");
        j.refuseUnless("resnet_time_scale_shift", "default");
        j.refuseUnless("mid_block_type", "UNetMidBlock2DCrossAttn");
        j.refuseUnless("transformer_layers_per_block", 1);
        j.refuseUnless("only_cross_attention", false);
        j.refuseUnless("mid_block_scale_factor", 1);
        j.refuseUnless("downsample_padding", 1);
        List<Integer> ch = j.intList("block_out_channels", 0, UNet2DConditionConfig.SD15.blockOutChannels());
        // num_attention_heads, when given, is the real head count; attention_head_dim is the legacy name for it.
        List<Integer> heads = j.has("num_attention_heads") ? j.intList("num_attention_heads", ch.size(), null)
                : j.intList("attention_head_dim", ch.size(), java.util.Collections.nCopies(ch.size(), 8));
        try {
            return new ControlNetConfig(
                    j.getInt("in_channels", 4), j.getInt("conditioning_channels", 3), ch, j.getInt("layers_per_block", 2),
                    j.requireInt("cross_attention_dim"), heads, j.stringList("down_block_types", UNet2DConditionConfig.SD_DOWN),
                    j.getInt("norm_num_groups", 32), j.getDouble("norm_eps", 1e-5),
                    j.getBool("use_linear_projection", false), j.getBool("upcast_attention", false),
                    j.getBool("flip_sin_to_cos", true), j.getInt("freq_shift", 0),
                    j.intList("conditioning_embedding_out_channels", 0, DEFAULT_HINT_CHANNELS),
                    ChannelOrder.parse(j.getString("controlnet_conditioning_channel_order", "rgb")),
                    j.getBool("global_pool_conditions", false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(j.where() + ": " + e.getMessage(), e);
        }
    }

    /** This config as diffusers writes a ControlNetModel config.json (keys sorted), e.g. to save a trained ControlNet. */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.diffusersUNetConfig("ControlNetModel", attentionHeadDim);
        o.set("block_out_channels", ConfigJson.ints(blockOutChannels));
        o.putNull("class_embed_type");
        o.put("conditioning_channels", conditioningChannels);
        o.set("conditioning_embedding_out_channels", ConfigJson.ints(conditioningEmbeddingOutChannels));
        o.put("controlnet_conditioning_channel_order", controlnetConditioningChannelOrder.name().toLowerCase(Locale.ROOT));
        o.put("cross_attention_dim", crossAttentionDim);
        o.set("down_block_types", ConfigJson.strings(downBlockTypes));
        o.put("downsample_padding", 1);
        o.putNull("encoder_hid_dim");
        o.putNull("encoder_hid_dim_type");
        o.put("flip_sin_to_cos", flipSinToCos);
        o.put("freq_shift", freqShift);
        o.put("global_pool_conditions", globalPoolConditions);
        o.put("in_channels", inChannels);
        o.put("layers_per_block", layersPerBlock);
        o.put("mid_block_scale_factor", 1);
        o.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        o.put("norm_eps", normEps);
        o.put("norm_num_groups", normNumGroups);
        o.putNull("num_attention_heads");
        o.putNull("num_class_embeds");
        o.put("only_cross_attention", false);
        o.putNull("projection_class_embeddings_input_dim");
        o.put("resnet_time_scale_shift", "default");
        o.put("transformer_layers_per_block", 1);
        o.put("upcast_attention", upcastAttention);
        o.put("use_linear_projection", useLinearProjection);
        return o;
    }
}
