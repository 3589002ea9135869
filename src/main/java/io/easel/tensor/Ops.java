package io.easel.tensor;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The few composite operations the networks share, in one place so that their implementation
 * (and its speed) can be chosen once for every model.
 */
public final class Ops {
    private Ops() {}

    /**
     * Multi-head scaled dot-product attention with scale 1/sqrt(head dim), no mask.
     * q: [B,N,H*d], k: [B,M,H*d], v: [B,M,H*d] -> [B,N,H*d]
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, int heads) {
        long b = q.size(0), n = q.size(1), m = k.size(1), inner = q.size(2);
        long d = inner / heads;
        Tensor qh = q.view(b, n, heads, d).transpose(1, 2);
        Tensor kh = k.view(b, m, heads, d).transpose(1, 2);
        Tensor vh = v.view(b, m, heads, d).transpose(1, 2);
        Tensor o = torch.scaled_dot_product_attention(qh, kh, vh);
        return o.transpose(1, 2).reshape(b, n, inner);
    }

    /** Causal attention (each position attends to itself and earlier ones), as CLIP's text tower uses. */
    public static Tensor causalAttention(Tensor q, Tensor k, Tensor v, int heads) {
        long b = q.size(0), n = q.size(1), m = k.size(1), inner = q.size(2);
        long d = inner / heads;
        Tensor qh = q.view(b, n, heads, d).transpose(1, 2);
        Tensor kh = k.view(b, m, heads, d).transpose(1, 2);
        Tensor vh = v.view(b, m, heads, d).transpose(1, 2);
        Tensor o = torch.scaled_dot_product_attention(qh, kh, vh, T.opt(null), 0.0, true, new org.bytedeco.pytorch.DoubleOptional(), false);
        return o.transpose(1, 2).reshape(b, n, inner);
    }

    public static Tensor silu(Tensor x) { return torch.silu(x); }

    /** Exact (erf) GELU. */
    public static Tensor gelu(Tensor x) { return torch.gelu(x); }

    /** OpenAI CLIP's quick_gelu: x * sigmoid(1.702 x). */
    public static Tensor quickGelu(Tensor x) { return x.mul(torch.sigmoid(x.mul(T.s(1.702)))); }
}
