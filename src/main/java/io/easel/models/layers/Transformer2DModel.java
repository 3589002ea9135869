package io.easel.models.layers;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import io.easel.tensor.Nn.GroupNorm;
import io.easel.tensor.Nn.LayerNorm;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import io.easel.tensor.Scopes;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers Transformer2DModel for continuous (image) input with one BasicTransformerBlock:
 * GroupNorm, a 1x1 conv (SD1) or linear (SD2) projection in, self-attention, cross-attention,
 * GEGLU feed-forward, projection out, residual.
 */
public final class Transformer2DModel extends Module {
    private final GroupNorm norm;
    private final Module projIn, projOut;
    private final ModuleList<BasicTransformerBlock> blocks;
    private final boolean linearProjection;
    private final int inner;

    public Transformer2DModel(int channels, int heads, int contextDim, int groups, boolean linearProjection, String path) {
        this.linearProjection = linearProjection;
        int headDim = channels / heads;
        this.inner = heads * headDim;
        norm = child("norm", new GroupNorm(groups, channels, 1e-6));
        projIn = child("proj_in", linearProjection ? new Linear(channels, inner) : new Conv2d(channels, inner, 1, 0));
        blocks = child("transformer_blocks", new ModuleList<>());
        blocks.add(new BasicTransformerBlock(inner, heads, headDim, contextDim, path + ".transformer_blocks.0"));
        projOut = child("proj_out", linearProjection ? new Linear(inner, channels) : new Conv2d(inner, channels, 1, 0));
    }

    // x: [B,C,H,W], ctx: [B,M,ctx] -> [B,C,H,W]
    public Tensor forward(Tensor x, Tensor ctx, AttentionAdapter adapter) {
        return Scopes.run(() -> forwardImpl(x, ctx, adapter));
    }

    private Tensor forwardImpl(Tensor x, Tensor ctx, AttentionAdapter adapter) {
        long b = x.size(0), hh = x.size(2), ww = x.size(3);
        Tensor h = norm.forward(x);
        if (linearProjection) {
            h = ((Linear) projIn).forward(h.permute(0, 2, 3, 1).reshape(b, hh * ww, x.size(1)));
        } else {
            h = ((Conv2d) projIn).forward(h).permute(0, 2, 3, 1).reshape(b, hh * ww, inner);
        }
        for (BasicTransformerBlock blk : blocks) h = blk.forward(h, ctx, adapter);
        if (linearProjection) {
            h = ((Linear) projOut).forward(h).reshape(b, hh, ww, x.size(1)).permute(0, 3, 1, 2);
        } else {
            // A standard-strided copy (as diffusers' .contiguous(), but also when H*W = 1, where the permuted view
            // already counts as contiguous yet has channels-last strides): the dense and the packed convolutions then
            // see the same layout and give bit-identical results.
            Tensor nchw = h.reshape(b, hh, ww, inner).permute(0, 3, 1, 2)
                    .clone(new org.bytedeco.pytorch.MemoryFormatOptional(org.bytedeco.pytorch.global.torch.MemoryFormat.Contiguous));
            h = ((Conv2d) projOut).forward(nchw);
        }
        return h.add(x);
    }

    /** Self-attention, cross-attention and GEGLU feed-forward, each pre-normed with a residual. */
    public static final class BasicTransformerBlock extends Module {
        private final LayerNorm norm1, norm2, norm3;
        private final Attention attn1, attn2;
        private final FeedForward ff;

        BasicTransformerBlock(int dim, int heads, int headDim, int contextDim, String path) {
            norm1 = child("norm1", new LayerNorm(dim, 1e-5));
            attn1 = child("attn1", new Attention(dim, 0, heads, headDim, path + ".attn1"));
            norm2 = child("norm2", new LayerNorm(dim, 1e-5));
            attn2 = child("attn2", new Attention(dim, contextDim, heads, headDim, path + ".attn2"));
            norm3 = child("norm3", new LayerNorm(dim, 1e-5));
            ff = child("ff", new FeedForward(dim));
        }

        // x: [B,N,dim] -> [B,N,dim]
        Tensor forward(Tensor x, Tensor ctx, AttentionAdapter adapter) {
            Tensor h = Scopes.run(() -> attn1.forward(norm1.forward(x), null, null).add(x));
            Tensor h2 = Scopes.run(() -> attn2.forward(norm2.forward(h), ctx, adapter).add(h));
            return Scopes.run(() -> ff.forward(norm3.forward(h2)).add(h2));
        }
    }

    /** FeedForward with GEGLU: net.0.proj (dim -> 8 dim), gate by exact GELU, net.2 (4 dim -> dim). */
    public static final class FeedForward extends Module {
        private final Linear proj, out;
        private final int hidden;

        FeedForward(int dim) {
            hidden = dim * 4;
            ModuleList<Module> net = child("net", new ModuleList<>());
            Geglu g = (Geglu) net.add(new Geglu(dim, hidden));
            proj = g.proj;
            net.add(new Dropout());
            out = (Linear) net.add(new Linear(hidden, dim));
        }

        // x: [B,N,dim] -> [B,N,dim]
        Tensor forward(Tensor x) {
            Tensor p = proj.forward(x);
            Tensor a = p.narrow(-1, 0, hidden), gate = p.narrow(-1, hidden, hidden);
            return out.forward(a.mul(Ops.gelu(gate)));
        }
    }

    static final class Geglu extends Module {
        final Linear proj;
        Geglu(int dim, int hidden) { proj = child("proj", new Linear(dim, hidden * 2)); }
    }

    /** Parameterless placeholder keeping diffusers' indices (net.1 is a dropout). */
    static final class Dropout extends Module {}
}
