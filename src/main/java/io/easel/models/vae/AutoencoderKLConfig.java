package io.easel.models.vae;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;

import java.util.List;

/** Mirrors diffusers' AutoencoderKL config.json for the SD VAE topology. */
public record AutoencoderKLConfig(
        int inChannels,
        int outChannels,
        int latentChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int normNumGroups,
        double scalingFactor,
        boolean useQuantConv,
        boolean usePostQuantConv,
        boolean midBlockAddAttention) {

    /** The real SD1.x/SD2.x VAE. */
    public static final AutoencoderKLConfig SD = new AutoencoderKLConfig(3, 3, 4, List.of(128, 256, 512, 512), 2, 32, 0.18215, true, true, true);

    public AutoencoderKLConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
    }

    /** The downsampling factor from pixels to latents: 2 per level after the first (8 for SD). */
    public int scaleFactor() { return 1 << (blockOutChannels.size() - 1); }

    /** Reads a diffusers vae/config.json. */
    public static AutoencoderKLConfig fromJson(ConfigJson j) {
        j.refuseUnless("act_fn", "silu");
        j.refuseUnless("latents_mean", null);
        j.refuseUnless("latents_std", null);
        j.refuseUnless("shift_factor", null);
        for (String t : j.stringList("down_block_types", List.of()))
            if (!t.equals("DownEncoderBlock2D")) throw new IllegalArgumentException(j.where() + ": unsupported down block type " + t);
        for (String t : j.stringList("up_block_types", List.of()))
            if (!t.equals("UpDecoderBlock2D")) throw new IllegalArgumentException(j.where() + ": unsupported up block type " + t);
        return new AutoencoderKLConfig(j.getInt("in_channels", 3), j.getInt("out_channels", 3), j.getInt("latent_channels", 4),
                j.intList("block_out_channels", 0, SD.blockOutChannels()), j.getInt("layers_per_block", 2),
                j.getInt("norm_num_groups", 32), j.getDouble("scaling_factor", 0.18215),
                j.getBool("use_quant_conv", true), j.getBool("use_post_quant_conv", true), j.getBool("mid_block_add_attention", true));
    }

    /**
     * This config as diffusers writes vae/config.json (keys sorted), read back by diffusers and
     * {@link #fromJson}. {@code sample_size} (the training resolution) is left to the caller.
     */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.diffusersConfig("AutoencoderKL");
        o.put("act_fn", "silu");
        o.set("block_out_channels", ConfigJson.ints(blockOutChannels));
        o.set("down_block_types", ConfigJson.strings(java.util.Collections.nCopies(blockOutChannels.size(), "DownEncoderBlock2D")));
        o.put("force_upcast", true);
        o.put("in_channels", inChannels);
        o.put("latent_channels", latentChannels);
        o.putNull("latents_mean");
        o.putNull("latents_std");
        o.put("layers_per_block", layersPerBlock);
        o.put("mid_block_add_attention", midBlockAddAttention);
        o.put("norm_num_groups", normNumGroups);
        o.put("out_channels", outChannels);
        o.put("scaling_factor", scalingFactor);
        o.putNull("shift_factor");
        o.set("up_block_types", ConfigJson.strings(java.util.Collections.nCopies(blockOutChannels.size(), "UpDecoderBlock2D")));
        o.put("use_post_quant_conv", usePostQuantConv);
        o.put("use_quant_conv", useQuantConv);
        return o;
    }
}
