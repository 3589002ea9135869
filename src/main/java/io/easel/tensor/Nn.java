package io.easel.tensor;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The leaf layers every model is built from; names of their parameters follow torch.nn. */
public final class Nn {
    private Nn() {}

    /** U(-bound, bound) drawn directly in the target dtype (no float32 temporary). */
    static Tensor uniform(long[] shape, double bound, Generator g, DType dtype) {
        Tensor t = torch.empty(shape, T.opts(dtype.scalarType()), null);
        t.uniform_(-bound, bound, new GeneratorOptional(g));
        return t;
    }

    static Tensor filled(long[] shape, double v, DType dtype) {
        return torch.full(shape, T.s(v), T.opts(dtype.scalarType()));
    }

    /**
     * oneDNN-blocked copy of a weight [out,in,k,k], made once: without it oneDNN reorders the
     * weight on every call, which for the 1280-channel convolutions of SD costs 5-10x the
     * convolution itself.
     */
    static Tensor pack(Tensor w, int stride, int padding) {
        return Scopes.run(() -> torch.mkldnn_reorder_conv2d_weight(w.contiguous().to_mkldnn(), new long[]{padding, padding},
                new long[]{stride, stride}, new long[]{1, 1}, 1, new org.bytedeco.pytorch.LongArrayRefOptional()));
    }

    /** torch.nn.Conv2d (square kernel, dilation 1, groups 1). */
    public static final class Conv2d extends Module {
        public final Param weight;
        public final Param bias;
        public final int in, out, kernel, stride, padding;
        private Tensor packed;

        public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
            this.in = in; this.out = out; this.kernel = kernel; this.stride = stride; this.padding = padding;
            this.weight = param("weight", out, in, kernel, kernel);
            this.bias = bias ? param("bias", out) : null;
        }

        public Conv2d(int in, int out, int kernel, int padding) { this(in, out, kernel, 1, padding, true); }

        @Override protected void packOwn() {
            if (packed != null) return;
            packed = pack(weight.get(), stride, padding);
            weight.release();
        }

        // x: [N,in,H,W] -> [N,out,H',W']
        public Tensor forward(Tensor x) {
            if (packed != null) {
                Tensor in = x.is_contiguous() ? x : x.contiguous();
                return Profiler.time(Profiler.ENABLED ? (kernel == 1 ? "conv1x1 " : "conv3x3 ") + this.in + "x" + out + "@" + x.size(2) + "/" + stride : "",
                        () -> torch.mkldnn_convolution(in, packed, T.opt(bias == null ? null : bias.get()),
                                new long[]{padding, padding}, new long[]{stride, stride}, new long[]{1, 1}, 1));
            }
            if (out % 16 != 0 && org.bytedeco.pytorch.GradMode.is_enabled()) {
                // libtorch 2.5.1's oneDNN convolution backward returns wrong input gradients (errors of
                // 20-60%, thread-dependent) for NCHW float32 input when the output width is not a
                // multiple of 16, e.g. the UNet's conv_out (to 4 channels); see ConvGradientTest.
                // The reference (THNN) convolution is exact; only training takes this path.
                // THNN's backward refuses channels-last inputs ("grad_weight must be contiguous"),
                // which oneDNN layers upstream can produce for batches > 1.
                return torch.thnn_conv2d(x.contiguous(), weight.get(), new long[]{kernel, kernel}, T.opt(bias == null ? null : bias.get()),
                        new long[]{stride, stride}, new long[]{padding, padding});
            }
            return Profiler.time(Profiler.ENABLED ? (kernel == 1 ? "conv1x1 " : "conv3x3 ") + in + "x" + out + "@" + x.size(2) + "/" + stride : "", () -> torch.conv2d(x, weight.get(), T.opt(bias == null ? null : bias.get()),
                    new long[]{stride, stride}, new long[]{padding, padding}, new long[]{1, 1}, 1));
        }

        @Override protected void initOwn(Generator g, DType dtype) {
            double bound = 1.0 / Math.sqrt((double) in * kernel * kernel);
            weight.set(uniform(weight.shape(), bound, g, dtype));
            if (bias != null) bias.set(uniform(bias.shape(), bound, g, dtype));
        }
    }

    /** torch.nn.Linear. */
    public static final class Linear extends Module {
        /**
         * Weights of at least this many elements are packed for inference: they are the ones used
         * with few tokens (deep UNet levels), where the per-call weight reorder dominates. Smaller
         * ones stay dense, where oneDNN's own choice is faster for many tokens.
         */
        static final long PACK_MIN_ELEMENTS = 1L << 20;
        public final Param weight;
        public final Param bias;
        public final int in, out;
        private Tensor packed;

        public Linear(int in, int out, boolean bias) {
            this.in = in; this.out = out;
            this.weight = param("weight", out, in);
            this.bias = bias ? param("bias", out) : null;
        }

        public Linear(int in, int out) { this(in, out, true); }

        @Override protected void packOwn() {
            if (packed != null || (long) in * out < PACK_MIN_ELEMENTS || in % 32 != 0 || out % 32 != 0) return;
            packed = pack(weight.get().view(out, in, 1, 1), 1, 0);
            weight.release();
        }

        // x: [..., in] -> [..., out]
        public Tensor forward(Tensor x) {
            if (packed != null) return Profiler.time("linear", () -> Ops.packedLinear(x, packed, bias == null ? null : bias.get(), out));
            return Profiler.time("linear", () -> Ops.linear(x, weight.get(), bias == null ? null : bias.get()));
        }

        @Override protected void initOwn(Generator g, DType dtype) {
            double bound = 1.0 / Math.sqrt(in);
            weight.set(uniform(weight.shape(), bound, g, dtype));
            if (bias != null) bias.set(uniform(bias.shape(), bound, g, dtype));
        }
    }

    /** torch.nn.GroupNorm with affine parameters. */
    public static final class GroupNorm extends Module {
        public final Param weight, bias;
        public final int groups, channels;
        public final double eps;

        public GroupNorm(int groups, int channels, double eps) {
            if (channels % groups != 0)
                throw new IllegalArgumentException(channels + " channels do not divide into " + groups + " groups");
            this.groups = groups; this.channels = channels; this.eps = eps;
            this.weight = param("weight", channels);
            this.bias = param("bias", channels);
        }

        // x: [N,C,...] -> same
        public Tensor forward(Tensor x) {
            return Profiler.time("group_norm", () -> torch.group_norm(x, groups, T.opt(weight.get()), T.opt(bias.get()), eps, false));
        }

        @Override protected void initOwn(Generator g, DType dtype) {
            weight.set(filled(weight.shape(), 1, dtype));
            bias.set(filled(bias.shape(), 0, dtype));
        }
    }

    /** torch.nn.LayerNorm over the last dimension. */
    public static final class LayerNorm extends Module {
        public final Param weight, bias;
        public final int dim;
        public final double eps;

        public LayerNorm(int dim, double eps) {
            this.dim = dim; this.eps = eps;
            this.weight = param("weight", dim);
            this.bias = param("bias", dim);
        }

        // x: [..., dim] -> same
        public Tensor forward(Tensor x) {
            return Profiler.time("layer_norm", () -> torch.layer_norm(x, new long[]{dim}, T.opt(weight.get()), T.opt(bias.get()), eps, false));
        }

        @Override protected void initOwn(Generator g, DType dtype) {
            weight.set(filled(weight.shape(), 1, dtype));
            bias.set(filled(bias.shape(), 0, dtype));
        }
    }

    /** torch.nn.Embedding. */
    public static final class Embedding extends Module {
        public final Param weight;
        public final int count, dim;

        public Embedding(int count, int dim) {
            this.count = count; this.dim = dim;
            this.weight = param("weight", count, dim);
        }

        // ids: [...] int64 -> [..., dim]
        public Tensor forward(Tensor ids) { return torch.embedding(weight.get(), ids); }

        @Override protected void initOwn(Generator g, DType dtype) {
            Tensor t = torch.empty(weight.shape(), T.opts(dtype.scalarType()), null);
            t.normal_(0, 1, new GeneratorOptional(g));
            weight.set(t);
        }
    }

    /** torch.nn.ModuleList: children named "0", "1", ... */
    public static final class ModuleList<M extends Module> extends Module implements Iterable<M> {
        private final List<M> items = new ArrayList<>();

        public M add(M m) {
            child(Integer.toString(items.size()), m);
            items.add(m);
            return m;
        }

        public M get(int i) { return items.get(i); }
        public int size() { return items.size(); }
        @Override public Iterator<M> iterator() { return items.iterator(); }
    }

    /** A module without parameters of its own, to give a key segment to a group of children. */
    public static class Container extends Module {
        public <M extends Module> M add(String name, M m) { return child(name, m); }
    }
}
