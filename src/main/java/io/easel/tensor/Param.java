package io.easel.tensor;

import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * One named parameter slot of a {@link Module}: its expected shape, and the tensor once loaded or initialised.
 * The tensor object is replaced on load; during training it is updated in place.
 */
public final class Param {
    private final long[] shape;
    private Tensor value;

    Param(long[] shape) { this.shape = shape.clone(); }

    public long[] shape() { return shape.clone(); }

    /** The tensor; throws if the module was neither loaded nor initialised. */
    public Tensor get() {
        if (value == null) throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " was never loaded, or was packed for inference");
        return value;
    }

    public boolean isSet() { return value != null; }

    /** Sets the tensor after checking its shape. */
    public void set(Tensor t) {
        if (!Arrays.equals(T.shape(t), shape))
            throw new IllegalArgumentException("shape " + T.shapeString(t) + " where " + Arrays.toString(shape) + " was expected");
        Tensor old = value;
        value = t;
        if (old != null && old != t) old.close();
    }

    public void release() {
        if (value != null) { value.close(); value = null; }
    }
}
