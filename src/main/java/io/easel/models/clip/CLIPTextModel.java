package io.easel.models.clip;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Embedding;
import io.easel.tensor.Nn.LayerNorm;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers CLIPTextModel: token + position embeddings, pre-norm transformer layers with a
 * causal mask, final layer norm. Keys are {@code text_model.*} as in transformers' files.
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

    static final class TextTransformer extends Module {
        private final Embeddings embeddings;
        private final Encoder encoder;
        private final LayerNorm finalLayerNorm;

        TextTransformer(CLIPTextConfig c) {
            embeddings = child("embeddings", new Embeddings(c));
            encoder = child("encoder", new Encoder(c));
            finalLayerNorm = child("final_layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        // ids: [B,N] -> [B,N,D] after `layers` layers and the final norm
        Tensor forward(Tensor ids, int layers) {
            Tensor h = embeddings.forward(ids);
            for (int i = 0; i < layers; i++) h = encoder.layers.get(i).forward(h);
            return finalLayerNorm.forward(h);
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

    static final class Encoder extends Module {
        final ModuleList<EncoderLayer> layers;

        Encoder(CLIPTextConfig c) {
            layers = child("layers", new ModuleList<>());
            for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new EncoderLayer(c));
        }
    }

    static final class EncoderLayer extends Module {
        private final LayerNorm layerNorm1, layerNorm2;
        private final SelfAttention selfAttn;
        private final Mlp mlp;

        EncoderLayer(CLIPTextConfig c) {
            selfAttn = child("self_attn", new SelfAttention(c));
            layerNorm1 = child("layer_norm1", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            mlp = child("mlp", new Mlp(c));
            layerNorm2 = child("layer_norm2", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        // h: [B,N,D] -> [B,N,D]
        Tensor forward(Tensor h) {
            h = h.add(selfAttn.forward(layerNorm1.forward(h)));
            return h.add(mlp.forward(layerNorm2.forward(h)));
        }
    }

    static final class SelfAttention extends Module {
        private final Linear qProj, kProj, vProj, outProj;
        private final int heads;

        SelfAttention(CLIPTextConfig c) {
            int d = c.hiddenSize();
            heads = c.numAttentionHeads();
            kProj = child("k_proj", new Linear(d, d));
            vProj = child("v_proj", new Linear(d, d));
            qProj = child("q_proj", new Linear(d, d));
            outProj = child("out_proj", new Linear(d, d));
        }

        Tensor forward(Tensor h) {
            return outProj.forward(Ops.causalAttention(qProj.forward(h), kProj.forward(h), vProj.forward(h), heads));
        }
    }

    static final class Mlp extends Module {
        private final Linear fc1, fc2;
        private final boolean quick;

        Mlp(CLIPTextConfig c) {
            fc1 = child("fc1", new Linear(c.hiddenSize(), c.intermediateSize()));
            fc2 = child("fc2", new Linear(c.intermediateSize(), c.hiddenSize()));
            quick = c.hiddenAct().equals("quick_gelu");
        }

        Tensor forward(Tensor h) {
            Tensor a = fc1.forward(h);
            return fc2.forward(quick ? Ops.quickGelu(a) : Ops.gelu(a));
        }
    }

}
