package io.easel.models.layers;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers Attention as used by BasicTransformerBlock: to_q/to_k/to_v without bias, to_out.0
 * with bias. Self-attention when the context is null.
 */
public final class Attention extends Module {
    private final Linear toQ, toK, toV, toOut;
    private final int heads;
    private final String path;

    /**
     * @param contextDim width of the cross-attention context, or 0 for self-attention
     * @param path this layer's key path, handed to an {@link AttentionAdapter}
     */
    public Attention(int dim, int contextDim, int heads, int headDim, String path) {
        int inner = heads * headDim;
        int kv = contextDim > 0 ? contextDim : dim;
        this.heads = heads;
        this.path = path;
        toQ = child("to_q", new Linear(dim, inner, false));
        toK = child("to_k", new Linear(kv, inner, false));
        toV = child("to_v", new Linear(kv, inner, false));
        ModuleList<Linear> out = child("to_out", new ModuleList<>());
        toOut = out.add(new Linear(inner, dim));
    }

    // x: [B,N,dim], ctx: [B,M,ctx] or null -> [B,N,dim]
    public Tensor forward(Tensor x, Tensor ctx, AttentionAdapter adapter) {
        Tensor c = ctx != null ? ctx : x;
        Tensor q = toQ.forward(x);
        Tensor h = Ops.attention(q, toK.forward(c), toV.forward(c), heads);
        if (adapter != null && ctx != null) {
            Tensor extra = adapter.extra(path, q, heads);
            if (extra != null) h = h.add(extra);
        }
        return toOut.forward(h);
    }
}
