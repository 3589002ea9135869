package io.easel.tensor;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The few composite operations the networks share, in one place so that their implementation
 * (and its speed) can be chosen once for every model.
 */
public final class Ops {
    private Ops() {}

    /** Bound on the score buffer of the inference attention path; queries are processed in chunks that fit. */
    private static final long ATTENTION_BUFFER_BYTES = 32L << 20;

    /**
     * Multi-head scaled dot-product attention with scale 1/sqrt(head dim), no mask.
     * q: [B,N,H*d], k: [B,M,H*d], v: [B,M,H*d] -> [B,N,H*d]
     *
     * <p>In float32, and whenever gradients are needed, this is libtorch's SDPA (its CPU flash
     * kernel is fast in fp32 once BLAS runs single-threaded, see {@link Native}). Its bf16/fp16
     * kernels are an order of magnitude slower on CPU, so half-precision inference runs per head
     * over chunks of queries instead (matmul, in-place softmax, matmul into the output).
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, int heads) {
        long b = q.size(0), n = q.size(1), m = k.size(1), inner = q.size(2);
        long d = inner / heads;
        if (org.bytedeco.pytorch.GradMode.is_enabled() || T.dtype(q).value == torch.ScalarType.Float.value) {
            Tensor qh = q.view(b, n, heads, d).transpose(1, 2);
            Tensor kh = k.view(b, m, heads, d).transpose(1, 2);
            Tensor vh = v.view(b, m, heads, d).transpose(1, 2);
            return Profiler.time(m > 77 ? "attention_self" : "attention_cross",
                    () -> torch.scaled_dot_product_attention(qh, kh, vh).transpose(1, 2).reshape(b, n, inner));
        }
        return Profiler.time(m > 77 ? "attention_self" : "attention_cross", () -> Scopes.run(() -> {
            // [B*H, N, d] queries pre-scaled, [B*H, d, M] keys, [B*H, M, d] values
            Tensor qh = q.view(b, n, heads, d).permute(0, 2, 1, 3).mul(T.s(1.0 / Math.sqrt(d))).reshape(b * heads, n, d);
            Tensor kt = k.view(b, m, heads, d).permute(0, 2, 3, 1).contiguous().view(b * heads, d, m);
            Tensor vh = v.view(b, m, heads, d).permute(0, 2, 1, 3).contiguous().view(b * heads, m, d);
            Tensor out = torch.empty(new long[]{b * heads, n, d}, T.opts(T.dtype(q)), null);
            // All heads at once over a chunk of queries: batched GEMMs keep both cores busy, and
            // the [B*H, chunk, M] score buffer stays within ATTENTION_BUFFER_BYTES.
            long chunk = Math.max(1, Math.min(n, ATTENTION_BUFFER_BYTES / (b * heads * m * q.element_size())));
            Tensor scores = torch.empty(new long[]{b * heads, chunk, m}, T.opts(T.dtype(q)), null);
            for (long c = 0; c < n; c += chunk) {
                try (org.bytedeco.javacpp.PointerScope s = new org.bytedeco.javacpp.PointerScope()) {
                    long len = Math.min(chunk, n - c);
                    Tensor sc = len == chunk ? scores : scores.narrow(1, 0, len);
                    torch.bmm_out(sc, qh.narrow(1, c, len), kt);
                    torch.softmax_out(sc, sc, -1, new org.bytedeco.pytorch.ScalarTypeOptional());
                    torch.bmm_out(out.narrow(1, c, len), sc, vh);
                }
            }
            return out.view(b, heads, n, d).permute(0, 2, 1, 3).reshape(b, n, inner);
        }));
    }

    /**
     * x @ w^T + b. Runs as a 1x1 convolution over a channels-last view of x, which routes the
     * product to oneDNN: on CPU that is faster than the BLAS behind torch.linear in fp32 and bf16.
     * Only for widths that are multiples of 32: oneDNN 3.5's fp32 channels-last 1x1 kernel returns
     * wrong values for some other output widths (40 and 80 seen; see OpsTest), so those, and
     * anything needing autograd-exotic layouts, take torch.linear.
     * x: [..., in], w: [out, in], b: [out] or null -> [..., out]
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        long in = w.size(1), out = w.size(0);
        if (x.dim() < 2 || !x.is_contiguous() || x.numel() == 0 || in % 32 != 0 || out % 32 != 0)
            return torch.linear(x, w, T.opt(bias));
        long n = x.numel() / in;
        Tensor x4 = x.view(1, n, 1, in).permute(0, 3, 1, 2);
        Tensor y = torch.conv2d(x4, w.view(out, in, 1, 1), T.opt(bias), new long[]{1, 1}, new long[]{0, 0}, new long[]{1, 1}, 1);
        long[] shape = T.shape(x);
        shape[shape.length - 1] = out;
        return y.permute(0, 2, 3, 1).reshape(shape);
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

    /** {@link #linear} with a weight packed by {@code Nn.pack} as a [out,in,1,1] convolution kernel. */
    static Tensor packedLinear(Tensor x, Tensor packed, Tensor bias, long out) {
        Tensor xc = x.is_contiguous() ? x : x.contiguous();
        long in = x.size(x.dim() - 1), n = x.numel() / in;
        Tensor y = torch.mkldnn_convolution(xc.view(1, n, 1, in).permute(0, 3, 1, 2), packed, T.opt(bias),
                new long[]{0, 0}, new long[]{1, 1}, new long[]{1, 1}, 1);
        long[] shape = T.shape(x);
        shape[shape.length - 1] = out;
        return y.permute(0, 2, 3, 1).reshape(shape);
    }

    public static Tensor silu(Tensor x) { return Profiler.time("silu", () -> torch.silu(x)); }

    /** Exact (erf) GELU. */
    public static Tensor gelu(Tensor x) { return Profiler.time("gelu", () -> torch.gelu(x)); }

    /** OpenAI CLIP's quick_gelu: x * sigmoid(1.702 x). */
    public static Tensor quickGelu(Tensor x) { return x.mul(torch.sigmoid(x.mul(T.s(1.702)))); }
}
