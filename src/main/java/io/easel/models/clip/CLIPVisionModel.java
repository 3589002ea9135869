package io.easel.models.clip;

import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import io.easel.tensor.Nn.Embedding;
import io.easel.tensor.Nn.LayerNorm;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * transformers CLIPVisionModel (a ViT): patch embedding without bias, a learned class token and
 * positions, {@code pre_layrnorm} (transformers' spelling), bidirectional pre-norm layers
 * ({@link CLIPEncoder}), and {@code post_layernorm} applied to the class token for the pooled
 * output. Keys are {@code vision_model.*} as in transformers' files; {@link CLIPModel} holds the
 * same {@code vision_model} subtree.
 */
public final class CLIPVisionModel extends Module {
    private final CLIPVisionConfig config;
    private final VisionTransformer visionModel;

    /**
     * What the image tower returns.
     *
     * @param lastHiddenState [B,1+P,D]: the last layer's output (no final norm), class token first
     * @param pooled          [B,D]: {@code post_layernorm} of the class token
     */
    public record Output(Tensor lastHiddenState, Tensor pooled) {}

    public CLIPVisionModel(CLIPVisionConfig c) {
        this.config = c;
        visionModel = child("vision_model", new VisionTransformer(c));
    }

    public CLIPVisionConfig config() { return config; }

    /**
     * Encodes images normalised as the model was trained (CLIP's per-channel mean and std).
     * pixels: [B,C,S,S] float -> Output([B,1+P,D], [B,D])
     *
     * @throws IllegalArgumentException when the images are not [B, num_channels, image_size, image_size]
     */
    public Output forward(Tensor pixels) {
        int s = config.imageSize();
        if (pixels.dim() != 4 || pixels.size(1) != config.numChannels() || pixels.size(2) != s || pixels.size(3) != s)
            throw new IllegalArgumentException("CLIP vision model expects images [B," + config.numChannels() + "," + s + "," + s + "], got "
                    + T.shapeString(pixels));
        return visionModel.forward(pixels);
    }

    static final class VisionTransformer extends Module {
        private final VisionEmbeddings embeddings;
        private final LayerNorm preLayrnorm, postLayernorm;
        private final CLIPEncoder encoder;

        VisionTransformer(CLIPVisionConfig c) {
            embeddings = child("embeddings", new VisionEmbeddings(c));
            preLayrnorm = child("pre_layrnorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            encoder = child("encoder", new CLIPEncoder(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                    c.hiddenAct(), c.layerNormEps()));
            postLayernorm = child("post_layernorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        // pixels: [B,C,S,S] -> ([B,1+P,D], [B,D])
        Output forward(Tensor pixels) {
            Tensor h = preLayrnorm.forward(embeddings.forward(pixels));
            h = encoder.forward(h, encoder.size(), false);
            return new Output(h, postLayernorm.forward(h.select(1, 0)));
        }
    }

    static final class VisionEmbeddings extends Module {
        private final Param classEmbedding;
        private final Conv2d patchEmbedding;
        private final Embedding positionEmbedding;
        private final int dim;

        VisionEmbeddings(CLIPVisionConfig c) {
            dim = c.hiddenSize();
            classEmbedding = param("class_embedding", dim);
            patchEmbedding = child("patch_embedding", new Conv2d(c.numChannels(), dim, c.patchSize(), c.patchSize(), 0, false));
            positionEmbedding = child("position_embedding", new Embedding(c.numPositions(), dim));
        }

        // pixels: [B,C,S,S] -> [B,1+P,D]
        Tensor forward(Tensor pixels) {
            long b = pixels.size(0);
            Tensor patches = patchEmbedding.forward(pixels);                                  // [B,D,g,g]
            patches = patches.reshape(b, dim, patches.size(2) * patches.size(3)).transpose(1, 2); // [B,P,D]
            Tensor cls = classEmbedding.get().view(1, 1, dim).expand(b, 1, dim);               // [B,1,D]
            return torch.cat(new TensorVector(cls, patches), 1).add(positionEmbedding.weight.get().unsqueeze(0));
        }

        /** transformers draws the class token from N(0, 1) ({@code torch.randn(embed_dim)}). */
        @Override protected void initOwn(Generator g, DType dtype) {
            Tensor t = torch.empty(classEmbedding.shape(), T.opts(dtype.scalarType()), null);
            t.normal_(0, 1, new GeneratorOptional(g));
            classEmbedding.set(t);
        }
    }
}
