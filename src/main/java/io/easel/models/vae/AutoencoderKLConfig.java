package io.easel.models.vae;

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
}
