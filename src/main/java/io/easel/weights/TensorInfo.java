package io.easel.weights;

import java.util.Arrays;

/**
 * What a checkpoint header says of one tensor, known without reading its data.
 *
 * @param dtype the safetensors dtype name (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)
 */
public record TensorInfo(String key, String dtype, long[] shape) {
    public long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    public String shapeString() { return Arrays.toString(shape); }

    @Override public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.key.equals(key) && t.dtype.equals(dtype) && Arrays.equals(t.shape, shape);
    }

    @Override public int hashCode() { return key.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return key + " " + dtype + " " + shapeString(); }
}
