package io.easel.models.clip;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Embedding;
import io.easel.tensor.Nn.LayerNorm;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers CLIPTextModel: token + position embeddings, pre-norm transformer layers with a
 * causal mask ({@link CLIPEncoder}), final layer norm. Keys are {@code text_model.*} as in
 * transformers' files; {@link CLIPModel} holds the same {@code text_model} subtree.
 */
public final class CLIPTextModel extends Module {
    private final CLIPTextConfig config;
    private final TextTransformer textModel;

    public CLIPTextModel(CLIPTextConfig c) {
        this.config = c;
        textModel = child("text_model", new TextTransformer(c));
    }

    public CLIPTextConfig config() { return config; }

    /**
     * Hidden states for the UNet.
     * ids: [B,77] int64 -> [B,77,D]
     *
     * @param clipSkip 1 = final layer norm of the last layer's output (SD1's default); n = of the
     *                 output of layer L-n+1 (A1111's "clip skip n")
     */
    public Tensor forward(Tensor ids, int clipSkip) {
        if (clipSkip < 1 || clipSkip > config.numHiddenLayers())
            throw new IllegalArgumentException("clip skip " + clipSkip + " is outside 1.." + config.numHiddenLayers());
        return textModel.forward(ids, config.numHiddenLayers() - clipSkip + 1);
    }

    /**
     * The pooled output (transformers' {@code pooler_output}): the final hidden state at each
     * row's end token, found as the position of the highest id, which is the first end token
     * (49407) in CLIP's vocabulary. Positions after it never influence it (causal mask), so
     * windows may be cut after the longest row's end token.
     * ids: [B,N] int64 -> [B,D]
     */
    public Tensor pooled(Tensor ids) {
        // 1. hidden states of every position after the last layer and the final norm
        Tensor h = textModel.forward(ids, config.numHiddenLayers());
        // 2. the end token's row: argmax returns the first maximal position
        long b = h.size(0), d = h.size(2);
        Tensor eos = ids.argmax(new org.bytedeco.pytorch.LongOptional(-1), false).view(b, 1, 1).expand(b, 1, d);
        return h.gather(1, eos).squeeze(1);
    }

    static final class TextTransformer extends Module {
        private final Embeddings embeddings;
        private final CLIPEncoder encoder;
        private final LayerNorm finalLayerNorm;

        TextTransformer(CLIPTextConfig c) {
            embeddings = child("embeddings", new Embeddings(c));
            encoder = child("encoder", new CLIPEncoder(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                    c.hiddenAct(), c.layerNormEps()));
            finalLayerNorm = child("final_layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        // ids: [B,N] -> [B,N,D] after `layers` layers (causal) and the final norm
        Tensor forward(Tensor ids, int layers) {
            return finalLayerNorm.forward(encoder.forward(embeddings.forward(ids), layers, true));
        }
    }

    static final class Embeddings extends Module {
        private final Embedding tokenEmbedding, positionEmbedding;

        Embeddings(CLIPTextConfig c) {
            tokenEmbedding = child("token_embedding", new Embedding(c.vocabSize(), c.hiddenSize()));
            positionEmbedding = child("position_embedding", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
        }

        Tensor forward(Tensor ids) {
            long n = ids.size(1);
            Tensor pos = positionEmbedding.weight.get().narrow(0, 0, n).unsqueeze(0);
            return tokenEmbedding.forward(ids).add(pos);
        }
    }
}
