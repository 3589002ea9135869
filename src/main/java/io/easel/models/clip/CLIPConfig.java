package io.easel.models.clip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;

/**
 * Mirrors transformers' CLIPConfig (a CLIPModel's config.json): the two towers' configs, the
 * width of the joint embedding space and the initial log temperature.
 *
 * @param textConfig          the text tower
 * @param visionConfig        the image tower
 * @param projectionDim       width of the joint embedding space, used by both projections (the towers'
 *                            own {@code projection_dim} serve only transformers' *WithProjection models)
 * @param logitScaleInitValue initial {@code logit_scale} (transformers' default 2.6592, about ln(1/0.07))
 */
public record CLIPConfig(CLIPTextConfig textConfig, CLIPVisionConfig visionConfig, int projectionDim, double logitScaleInitValue) {
    /** ln(1/0.07): CLIP's initial temperature 0.07. */
    public static final double LOGIT_SCALE_INIT = Math.log(1 / 0.07);

    public CLIPConfig {
        if (textConfig == null || visionConfig == null) throw new IllegalArgumentException("CLIP needs a text and a vision config");
        if (projectionDim < 1) throw new IllegalArgumentException("projection_dim must be >= 1, got " + projectionDim);
    }

    /** Reads a transformers CLIPModel config.json. */
    public static CLIPConfig fromJson(ConfigJson j) {
        return new CLIPConfig(CLIPTextConfig.fromJson(j.object("text_config")), CLIPVisionConfig.fromJson(j.object("vision_config")),
                j.getInt("projection_dim", 512), j.getDouble("logit_scale_init_value", 2.6592));
    }

    /** This config as transformers writes a CLIPModel config.json (keys sorted); {@link #fromJson} reads it back. */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.set("architectures", ConfigJson.strings(java.util.List.of("CLIPModel")));
        o.put("initializer_factor", 1.0);
        o.put("logit_scale_init_value", logitScaleInitValue);
        o.put("model_type", "clip");
        o.put("projection_dim", projectionDim);
        ObjectNode text = textConfig.toJson();
        text.remove("architectures");
        text.put("projection_dim", projectionDim);
        o.set("text_config", text);
        ObjectNode vision = visionConfig.toJson();
        vision.put("projection_dim", projectionDim);
        o.set("vision_config", vision);
        return o;
    }
}
