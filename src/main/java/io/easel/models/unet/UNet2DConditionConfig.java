package io.easel.models.unet;

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
}
