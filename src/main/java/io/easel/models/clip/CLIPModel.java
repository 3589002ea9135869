package io.easel.models.clip;

import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * transformers CLIPModel: a text tower and an image tower, each projected without bias into a
 * joint embedding space, and a learned log temperature. Keys: {@code text_model.*} (as in a
 * {@link CLIPTextModel} file), {@code vision_model.*} (as in a {@link CLIPVisionModel} file),
 * {@code text_projection.weight}, {@code visual_projection.weight}, {@code logit_scale} (a scalar).
 * The towers are ordinary {@link CLIPTextModel} / {@link CLIPVisionModel} objects sharing their
 * parameters with this one, so {@link #textModel()} can be saved or used on its own.
 */
public final class CLIPModel extends Module {
    private final CLIPConfig config;
    private final CLIPTextModel textModel;
    private final CLIPVisionModel visionModel;
    private final Linear visualProjection, textProjection;
    private final Param logitScale;

    public CLIPModel(CLIPConfig c) {
        this.config = c;
        this.textModel = new CLIPTextModel(c.textConfig());
        this.visionModel = new CLIPVisionModel(c.visionConfig());
        // the towers' subtrees ("text_model", "vision_model") become this model's own children,
        // so the keys are transformers' and the towers share the parameter objects
        textModel.children().forEach(this::child);
        visionModel.children().forEach(this::child);
        visualProjection = child("visual_projection", new Linear(c.visionConfig().hiddenSize(), c.projectionDim(), false));
        textProjection = child("text_projection", new Linear(c.textConfig().hiddenSize(), c.projectionDim(), false));
        logitScale = param("logit_scale");
    }

    public CLIPConfig config() { return config; }

    /** The text tower, sharing this model's parameters (a CLIPTextModel file when saved alone). */
    public CLIPTextModel textModel() { return textModel; }

    /** The image tower, sharing this model's parameters. */
    public CLIPVisionModel visionModel() { return visionModel; }

    /** The log temperature: a scalar parameter, logits are scaled by its exponential. */
    public Param logitScale() { return logitScale; }

    /**
     * transformers' {@code get_text_features}: the projected pooled text output, not normalised.
     * ids: [B,N] int64 (start token, text, end token, padding) -> [B,P]
     */
    public Tensor textEmbeds(Tensor ids) {
        return textProjection.forward(textModel.pooled(ids));
    }

    /**
     * transformers' {@code get_image_features}: the projected pooled image output, not normalised.
     * pixels: [B,C,S,S] normalised with CLIP's mean and std -> [B,P]
     */
    public Tensor imageEmbeds(Tensor pixels) {
        return visualProjection.forward(visionModel.forward(pixels).pooled());
    }

    /**
     * transformers' {@code logits_per_image}: cosine similarities times {@code exp(logit_scale)},
     * here with the log scale clamped at {@code maxLogScale} (OpenAI CLIP trains with ln 100;
     * {@code Double.POSITIVE_INFINITY} gives transformers' unclamped value).
     * imageEmbeds: [Bi,P], textEmbeds: [Bt,P] -> [Bi,Bt]
     */
    public Tensor logitsPerImage(Tensor imageEmbeds, Tensor textEmbeds, double maxLogScale) {
        Tensor scale = Double.isInfinite(maxLogScale) ? logitScale.get().exp() : logitScale.get().clamp_max(T.s(maxLogScale)).exp();
        return unit(imageEmbeds).matmul(unit(textEmbeds).t()).mul(scale);
    }

    // x: [B,P] -> x / ||x||_2 per row
    private static Tensor unit(Tensor x) {
        return x.div(torch.linalg_vector_norm(x, T.s(2), new long[]{-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional()));
    }

    /** The log temperature starts at the config's {@code logit_scale_init_value}, as in transformers. */
    @Override protected void initOwn(Generator g, DType dtype) {
        logitScale.set(torch.full(new long[]{}, T.s(config.logitScaleInitValue()), T.opts(dtype.scalarType())));
    }
}
