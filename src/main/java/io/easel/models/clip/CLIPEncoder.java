package io.easel.models.clip;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.LayerNorm;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers' CLIPEncoder: the stack of pre-norm transformer layers both CLIP towers share.
 * The text tower runs it with a causal mask, the vision tower without. Keys below it:
 * {@code layers.N.self_attn.{k,v,q,out}_proj}, {@code layers.N.layer_norm1},
 * {@code layers.N.mlp.fc1}, {@code layers.N.mlp.fc2}, {@code layers.N.layer_norm2}.
 */
public final class CLIPEncoder extends Module {
    final ModuleList<EncoderLayer> layers;

    /**
     * @param hiddenAct "quick_gelu" or "gelu" (checked by {@link #checkDims})
     */
    CLIPEncoder(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads, String hiddenAct, double layerNormEps) {
        layers = child("layers", new ModuleList<>());
        for (int i = 0; i < numHiddenLayers; i++)
            layers.add(new EncoderLayer(hiddenSize, intermediateSize, numAttentionHeads, hiddenAct.equals("quick_gelu"), layerNormEps));
    }

    /** The refusals both towers' configs share: the activation and the head split. */
    static void checkDims(String hiddenAct, int hiddenSize, int numAttentionHeads) {
        if (!"quick_gelu".equals(hiddenAct) && !"gelu".equals(hiddenAct))
            throw new IllegalArgumentException("unsupported hidden_act '" + hiddenAct + "' (quick_gelu or gelu)");
        if (numAttentionHeads < 1 || hiddenSize % numAttentionHeads != 0)
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
    }

    /** Number of layers. */
    public int size() { return layers.size(); }

    /**
     * Runs the first {@code count} layers.
     * h: [B,N,D] -> [B,N,D]
     *
     * @param causal whether position i attends only to positions up to i (the text tower)
     */
    Tensor forward(Tensor h, int count, boolean causal) {
        for (int i = 0; i < count; i++) h = layers.get(i).forward(h, causal);
        return h;
    }

    static final class EncoderLayer extends Module {
        private final LayerNorm layerNorm1, layerNorm2;
        private final SelfAttention selfAttn;
        private final Mlp mlp;

        EncoderLayer(int d, int inner, int heads, boolean quickGelu, double eps) {
            selfAttn = child("self_attn", new SelfAttention(d, heads));
            layerNorm1 = child("layer_norm1", new LayerNorm(d, eps));
            mlp = child("mlp", new Mlp(d, inner, quickGelu));
            layerNorm2 = child("layer_norm2", new LayerNorm(d, eps));
        }

        // h: [B,N,D] -> [B,N,D]
        Tensor forward(Tensor h, boolean causal) {
            h = h.add(selfAttn.forward(layerNorm1.forward(h), causal));
            return h.add(mlp.forward(layerNorm2.forward(h)));
        }
    }

    static final class SelfAttention extends Module {
        private final Linear qProj, kProj, vProj, outProj;
        private final int heads;

        SelfAttention(int d, int heads) {
            this.heads = heads;
            // registration order as transformers': k, v, q, out
            kProj = child("k_proj", new Linear(d, d));
            vProj = child("v_proj", new Linear(d, d));
            qProj = child("q_proj", new Linear(d, d));
            outProj = child("out_proj", new Linear(d, d));
        }

        // h: [B,N,D] -> [B,N,D]
        Tensor forward(Tensor h, boolean causal) {
            Tensor q = qProj.forward(h), k = kProj.forward(h), v = vProj.forward(h);
            return outProj.forward(causal ? Ops.causalAttention(q, k, v, heads) : Ops.attention(q, k, v, heads));
        }
    }

    static final class Mlp extends Module {
        private final Linear fc1, fc2;
        private final boolean quick;

        Mlp(int d, int inner, boolean quickGelu) {
            fc1 = child("fc1", new Linear(d, inner));
            fc2 = child("fc2", new Linear(inner, d));
            quick = quickGelu;
        }

        // h: [B,N,D] -> [B,N,D]
        Tensor forward(Tensor h) {
            Tensor a = fc1.forward(h);
            return fc2.forward(quick ? Ops.quickGelu(a) : Ops.gelu(a));
        }
    }
}
