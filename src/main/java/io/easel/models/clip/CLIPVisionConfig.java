package io.easel.models.clip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;

/**
 * Mirrors transformers' CLIPVisionConfig (the {@code vision_config} of a CLIPModel's
 * config.json, or an image encoder's config.json).
 *
 * @param imageSize     input images are {@code imageSize x imageSize}
 * @param patchSize     side of the square patches (the patch embedding's kernel and stride)
 * @param numChannels   input channels (3)
 * @param hiddenAct     "quick_gelu" (OpenAI CLIP) or "gelu"
 * @param projectionDim width of the joint embedding space (used by {@link CLIPModel}'s projection)
 */
public record CLIPVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int imageSize,
        int patchSize,
        int numChannels,
        String hiddenAct,
        double layerNormEps,
        int projectionDim) {

    /** OpenAI CLIP ViT-L/14 image tower (openai/clip-vit-large-patch14). */
    public static final CLIPVisionConfig VIT_L_14 = new CLIPVisionConfig(1024, 4096, 24, 16, 224, 14, 3, "quick_gelu", 1e-5, 768);

    public CLIPVisionConfig {
        CLIPEncoder.checkDims(hiddenAct, hiddenSize, numAttentionHeads);
        if (patchSize < 1 || imageSize < patchSize || imageSize % patchSize != 0)
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        if (numChannels < 1) throw new IllegalArgumentException("num_channels must be >= 1, got " + numChannels);
        if (projectionDim < 1) throw new IllegalArgumentException("projection_dim must be >= 1, got " + projectionDim);
    }

    /** Patches per image: {@code (imageSize / patchSize)^2}. */
    public int numPatches() { return (imageSize / patchSize) * (imageSize / patchSize); }

    /** Positions of the sequence: the class token and every patch. */
    public int numPositions() { return numPatches() + 1; }

    /** Reads a transformers CLIPVisionConfig (defaults as transformers' for absent keys). */
    public static CLIPVisionConfig fromJson(ConfigJson j) {
        return new CLIPVisionConfig(j.getInt("hidden_size", 768), j.getInt("intermediate_size", 3072), j.getInt("num_hidden_layers", 12),
                j.getInt("num_attention_heads", 12), j.getInt("image_size", 224), j.getInt("patch_size", 32), j.getInt("num_channels", 3),
                j.getString("hidden_act", "quick_gelu"), j.getDouble("layer_norm_eps", 1e-5), j.getInt("projection_dim", 512));
    }

    /** This config as transformers writes a CLIPVisionConfig (keys sorted; initialiser settings at its defaults). */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.put("attention_dropout", 0.0);
        o.put("dropout", 0.0);
        o.put("hidden_act", hiddenAct);
        o.put("hidden_size", hiddenSize);
        o.put("image_size", imageSize);
        o.put("initializer_factor", 1.0);
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", intermediateSize);
        o.put("layer_norm_eps", layerNormEps);
        o.put("model_type", "clip_vision_model");
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_channels", numChannels);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("patch_size", patchSize);
        o.put("projection_dim", projectionDim);
        return o;
    }
}
