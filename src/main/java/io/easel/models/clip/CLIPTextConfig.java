package io.easel.models.clip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;

/**
 * Mirrors transformers' CLIPTextConfig (text_encoder/config.json).
 *
 * @param hiddenAct "quick_gelu" (OpenAI CLIP, SD1) or "gelu" (OpenCLIP, SD2)
 */
public record CLIPTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps) {

    /** OpenAI CLIP ViT-L/14 text tower (SD1.x). */
    public static final CLIPTextConfig SD1 = new CLIPTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5);
    /** OpenCLIP ViT-H/14 text tower as diffusers stores it for SD2.x (23 of the 24 layers). */
    public static final CLIPTextConfig SD2 = new CLIPTextConfig(49408, 1024, 4096, 23, 16, 77, "gelu", 1e-5);

    public CLIPTextConfig {
        CLIPEncoder.checkDims(hiddenAct, hiddenSize, numAttentionHeads);
    }

    /** Reads a transformers text_encoder/config.json. */
    public static CLIPTextConfig fromJson(ConfigJson j) {
        return new CLIPTextConfig(j.getInt("vocab_size", 49408), j.requireInt("hidden_size"), j.requireInt("intermediate_size"),
                j.requireInt("num_hidden_layers"), j.requireInt("num_attention_heads"), j.getInt("max_position_embeddings", 77),
                j.getString("hidden_act", "quick_gelu"), j.getDouble("layer_norm_eps", 1e-5));
    }

    /**
     * This config as transformers writes text_encoder/config.json (keys sorted; token ids and
     * initialiser settings at transformers' CLIPTextConfig defaults), read back by transformers
     * and {@link #fromJson}.
     */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.set("architectures", ConfigJson.strings(java.util.List.of("CLIPTextModel")));
        o.put("attention_dropout", 0.0);
        o.put("bos_token_id", 49406);
        o.put("dropout", 0.0);
        o.put("eos_token_id", 49407);
        o.put("hidden_act", hiddenAct);
        o.put("hidden_size", hiddenSize);
        o.put("initializer_factor", 1.0);
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", intermediateSize);
        o.put("layer_norm_eps", layerNormEps);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("model_type", "clip_text_model");
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("pad_token_id", 1);
        o.put("projection_dim", hiddenSize);
        o.put("vocab_size", vocabSize);
        return o;
    }
}
