package io.easel.models.unet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;

import java.util.List;

/**
 * Mirrors diffusers' UNet2DConditionModel config.json (snake_case keys map to these names).
 * Only the Stable Diffusion 1.x / 2.x topology is supported; other options are refused by name
 * when a config is read.
 *
 * @param attentionHeadDim diffusers' misnomer: in SD1 configs it is the number of heads (8);
 *                         per down block; SD2 lists the head counts per block ([5,10,20,20])
 */
public record UNet2DConditionConfig(
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int crossAttentionDim,
        List<Integer> attentionHeadDim,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        int normNumGroups,
        double normEps,
        boolean useLinearProjection,
        boolean upcastAttention,
        boolean flipSinToCos,
        int freqShift) {

    public static final List<String> SD_DOWN = List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D");
    public static final List<String> SD_UP = List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D");

    /** The real Stable Diffusion 1.5 UNet. */
    public static final UNet2DConditionConfig SD15 = new UNet2DConditionConfig(4, 4, List.of(320, 640, 1280, 1280), 2, 768,
            List.of(8, 8, 8, 8), SD_DOWN, SD_UP, 32, 1e-5, false, false, true, 0);

    /** The real Stable Diffusion 2.x UNet (768-v and 512-base share it). */
    public static final UNet2DConditionConfig SD21 = new UNet2DConditionConfig(4, 4, List.of(320, 640, 1280, 1280), 2, 1024,
            List.of(5, 10, 20, 20), SD_DOWN, SD_UP, 32, 1e-5, true, true, true, 0);

    public UNet2DConditionConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        attentionHeadDim = List.copyOf(attentionHeadDim);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        if (attentionHeadDim.size() != blockOutChannels.size())
            throw new IllegalArgumentException("attention_head_dim has " + attentionHeadDim.size() + " entries for " + blockOutChannels.size() + " blocks");
        if (downBlockTypes.size() != blockOutChannels.size() || upBlockTypes.size() != blockOutChannels.size())
            throw new IllegalArgumentException("down/up block types must have one entry per block_out_channels entry");
    }

    /** Time embedding width: 4 x the first block's channels. */
    public int timeEmbedDim() { return blockOutChannels.get(0) * 4; }

    public UNet2DConditionConfig withInChannels(int c) {
        return new UNet2DConditionConfig(c, outChannels, blockOutChannels, layersPerBlock, crossAttentionDim, attentionHeadDim,
                downBlockTypes, upBlockTypes, normNumGroups, normEps, useLinearProjection, upcastAttention, flipSinToCos, freqShift);
    }

    /** Reads a diffusers unet/config.json, refusing options outside the SD topology by name. */
    public static UNet2DConditionConfig fromJson(ConfigJson j) {
        for (String k : new String[]{"class_embed_type", "addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type",
                "time_cond_proj_dim", "num_class_embeds", "projection_class_embeddings_input_dim", "timestep_post_act",
                "time_embedding_act_fn", "cross_attention_norm", "mid_block_only_cross_attention", "time_embedding_dim"})
            j.refuseUnless(k, null);
        j.refuseUnless("act_fn", "silu");
        j.refuseUnless("time_embedding_type", "positional");
        j.refuseUnless("resnet_time_scale_shift", "default");
        j.refuseUnless("mid_block_type", "UNetMidBlock2DCrossAttn");
        j.refuseUnless("transformer_layers_per_block", 1);
        j.refuseUnless("only_cross_attention", false);
        j.refuseUnless("dual_cross_attention", false);
        j.refuseUnless("conv_in_kernel", 3);
        j.refuseUnless("conv_out_kernel", 3);
        j.refuseUnless("mid_block_scale_factor", 1);
        j.refuseUnless("resnet_out_scale_factor", 1);
        j.refuseUnless("resnet_skip_time_act", false);
        j.refuseUnless("center_input_sample", false);
        j.refuseUnless("downsample_padding", 1);
        j.refuseUnless("attention_type", "default");
        j.refuseUnless("addition_time_embed_dim", null);
        List<Integer> ch = j.intList("block_out_channels", 0, SD15.blockOutChannels());
        // num_attention_heads, when given, is the real head count; attention_head_dim is the legacy name for it.
        List<Integer> heads = j.has("num_attention_heads") ? j.intList("num_attention_heads", ch.size(), null)
                : j.intList("attention_head_dim", ch.size(), List.of(8, 8, 8, 8));
        return new UNet2DConditionConfig(
                j.getInt("in_channels", 4), j.getInt("out_channels", 4), ch, j.getInt("layers_per_block", 2),
                j.requireInt("cross_attention_dim"), heads,
                j.stringList("down_block_types", SD_DOWN), j.stringList("up_block_types", SD_UP),
                j.getInt("norm_num_groups", 32), j.getDouble("norm_eps", 1e-5),
                j.getBool("use_linear_projection", false), j.getBool("upcast_attention", false),
                j.getBool("flip_sin_to_cos", true), j.getInt("freq_shift", 0));
    }

    /**
     * This config as diffusers writes unet/config.json (keys sorted, the options this record
     * does not hold at the values Stable Diffusion uses), so that diffusers and {@link #fromJson}
     * read it back. {@code sample_size} is left to the caller: it is the model's training
     * resolution, which the weights do not tell.
     */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.diffusersUNetConfig("UNet2DConditionModel", attentionHeadDim);
        o.put("attention_type", "default");
        o.set("block_out_channels", ConfigJson.ints(blockOutChannels));
        o.put("center_input_sample", false);
        o.putNull("class_embed_type");
        o.put("class_embeddings_concat", false);
        o.put("conv_in_kernel", 3);
        o.put("conv_out_kernel", 3);
        o.put("cross_attention_dim", crossAttentionDim);
        o.putNull("cross_attention_norm");
        o.set("down_block_types", ConfigJson.strings(downBlockTypes));
        o.put("downsample_padding", 1);
        o.put("dropout", 0.0);
        o.put("dual_cross_attention", false);
        o.putNull("encoder_hid_dim");
        o.putNull("encoder_hid_dim_type");
        o.put("flip_sin_to_cos", flipSinToCos);
        o.put("freq_shift", freqShift);
        o.put("in_channels", inChannels);
        o.put("layers_per_block", layersPerBlock);
        o.putNull("mid_block_only_cross_attention");
        o.put("mid_block_scale_factor", 1);
        o.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        o.put("norm_eps", normEps);
        o.put("norm_num_groups", normNumGroups);
        o.putNull("num_attention_heads");
        o.putNull("num_class_embeds");
        o.put("only_cross_attention", false);
        o.put("out_channels", outChannels);
        o.putNull("projection_class_embeddings_input_dim");
        o.put("resnet_out_scale_factor", 1.0);
        o.put("resnet_skip_time_act", false);
        o.put("resnet_time_scale_shift", "default");
        o.putNull("reverse_transformer_layers_per_block");
        o.putNull("time_cond_proj_dim");
        o.putNull("time_embedding_act_fn");
        o.putNull("time_embedding_dim");
        o.put("time_embedding_type", "positional");
        o.putNull("timestep_post_act");
        o.put("transformer_layers_per_block", 1);
        o.set("up_block_types", ConfigJson.strings(upBlockTypes));
        o.put("upcast_attention", upcastAttention);
        o.put("use_linear_projection", useLinearProjection);
        return o;
    }
}
