package io.easel.weights;

import java.util.ArrayList;
import java.util.List;

/** How a checkpoint file names its tensors; decided from key names alone by {@link #of}. */
public enum Layout {
    /** An original Stable Diffusion checkpoint: UNet, VAE and text encoder under LDM prefixes. */
    LDM_CHECKPOINT("ldm-single-file"),
    /** A bare LDM UNet ({@code input_blocks.*}, {@code output_blocks.*}). */
    LDM_UNET("ldm-unet"),
    /** A bare LDM VAE ({@code encoder.down.*}, {@code decoder.up.*}), e.g. vae-ft-mse-840000. */
    LDM_VAE("ldm-vae"),
    /** A ControlNet as lllyasviel published it: bare keys (v1.1) or under {@code control_model.} (v1.0). */
    CONTROLNET_ORIGINAL("controlnet-original"),
    /** diffusers' ControlNetModel. */
    CONTROLNET_DIFFUSERS("controlnet-diffusers"),
    /** diffusers' UNet2DConditionModel. */
    DIFFUSERS_UNET("diffusers-unet"),
    /** diffusers' AutoencoderKL. */
    DIFFUSERS_VAE("diffusers-vae"),
    /** transformers' CLIPTextModel. */
    TRANSFORMERS_CLIP("transformers-clip");

    private final String label;

    Layout(String label) { this.label = label; }

    /** The name shown to users ("ldm-single-file"). */
    public String label() { return label; }

    @Override public String toString() { return label; }

    /** The layout of a file, from its key names; a WeightsException when none fits. */
    public static Layout of(TensorSource file) {
        if (KeyMaps.hasPrefix(file, KeyMaps.CONTROL_MODEL) || KeyMaps.hasPrefix(file, "input_hint_block.") || KeyMaps.hasPrefix(file, "zero_convs."))
            return CONTROLNET_ORIGINAL;
        if (KeyMaps.hasPrefix(file, "controlnet_cond_embedding.")) return CONTROLNET_DIFFUSERS;
        if (KeyMaps.hasPrefix(file, KeyMaps.LDM_UNET)) return LDM_CHECKPOINT;
        if (KeyMaps.hasPrefix(file, "input_blocks.") && KeyMaps.hasPrefix(file, "output_blocks.")) return LDM_UNET;
        if (KeyMaps.hasPrefix(file, "encoder.down.") || KeyMaps.hasPrefix(file, "decoder.up.")) return LDM_VAE;
        if (KeyMaps.hasPrefix(file, "down_blocks.") && KeyMaps.hasPrefix(file, "up_blocks.") && file.has("conv_in.weight")) return DIFFUSERS_UNET;
        if (KeyMaps.hasPrefix(file, "encoder.down_blocks.") || KeyMaps.hasPrefix(file, "decoder.up_blocks.")) return DIFFUSERS_VAE;
        if (KeyMaps.hasPrefix(file, "text_model.")) return TRANSFORMERS_CLIP;
        List<String> some = new ArrayList<>();
        for (String k : file.infos().keySet()) {
            if (some.size() == 3) break;
            some.add(k);
        }
        throw new WeightsException(file.path() + ": unknown checkpoint layout (" + file.infos().size() + " tensors"
                + (some.isEmpty() ? "" : ", e.g. " + String.join(", ", some)) + "): expected an LDM single file, a ControlNet, "
                + "or a diffusers UNet / VAE / transformers CLIP text model");
    }
}
