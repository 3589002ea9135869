package io.easel.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;
import java.util.List;

/** Small static helpers over libtorch tensors: construction from Java arrays, reading back, scalars. */
public final class T {
    private T() {}

    /**
     * The canonical enum constant for a scalar type returned by libtorch. JavaCPP hands back enum
     * instances that are not the declared constants (wrong ordinal, not ==), so every comparison
     * or switch must go through this or compare {@code .value}.
     */
    public static ScalarType canonical(ScalarType t) {
        for (ScalarType c : ScalarType.values()) if (c.value == t.value) return c;
        throw new IllegalArgumentException("unknown scalar type " + t.value);
    }

    public static ScalarType dtype(Tensor t) { return canonical(t.scalar_type()); }

    public static Scalar s(double v) { return new Scalar(v); }

    public static TensorOptions opts(ScalarType st) { return new TensorOptions(st); }

    public static TensorOptional opt(Tensor t) { return t == null ? new TensorOptional() : new TensorOptional(t); }

    /** A new float32 tensor holding a copy of {@code data}, shaped {@code shape}. */
    public static Tensor fromFloats(float[] data, long... shape) {
        long n = numel(shape);
        if (n != data.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        Tensor t = torch.empty(shape, opts(ScalarType.Float), null);
        if (n > 0) {
            FloatPointer p = t.data_ptr_float();
            p.capacity(n).put(data);
        }
        return t;
    }

    /** A new int64 tensor holding a copy of {@code data}. */
    public static Tensor fromLongs(long[] data, long... shape) {
        long n = numel(shape);
        if (n != data.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        Tensor t = torch.empty(shape, opts(ScalarType.Long), null);
        if (n > 0) {
            LongPointer p = t.data_ptr_long();
            p.capacity(n).put(data);
        }
        return t;
    }

    public static Tensor scalarTensor(double v) {
        return fromFloats(new float[]{(float) v});
    }

    /** The tensor's values as float32, in row-major order. */
    public static float[] toFloats(Tensor t) {
        Tensor c = t.to(ScalarType.Float).contiguous();
        long n = c.numel();
        float[] out = new float[Math.toIntExact(n)];
        if (n > 0) c.data_ptr_float().capacity(n).get(out);
        return out;
    }

    public static long[] shape(Tensor t) {
        int d = (int) t.dim();
        long[] s = new long[d];
        for (int i = 0; i < d; i++) s[i] = t.size(i);
        return s;
    }

    public static long numel(long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    public static double maxAbs(Tensor t) {
        if (t.numel() == 0) return 0;
        return t.abs().max().to(ScalarType.Double).item().toDouble();
    }

    public static Tensor cat(List<Tensor> ts, long dim) {
        TensorVector v = new TensorVector(ts.toArray(new Tensor[0]));
        return torch.cat(v, dim);
    }

    public static String shapeString(Tensor t) { return Arrays.toString(shape(t)); }
}
