package io.easel.train.recipes;

import io.easel.tensor.DType;

/**
 * The recipes' {@code --save-dtype}: the precision of the final model's files, float32 or float16
 * (what diffusers and transformers publish). Training always runs in float32; only
 * {@code OUT/final} is converted, so rerunning a finished run with another value rewrites it.
 */
public final class SaveDtype {
    private SaveDtype() {}

    /**
     * The option's value as a dtype; null for float32.
     *
     * @throws IllegalArgumentException naming {@code --save-dtype} for anything but fp32 or fp16 (or their aliases)
     */
    public static DType parse(String value) {
        if (value == null) return DType.FP32;
        DType d;
        try {
            d = DType.parse(value);
        } catch (IllegalArgumentException e) {
            throw refused(value);
        }
        return check(d, value);
    }

    /**
     * A recipe option's dtype: null for float32.
     *
     * @throws IllegalArgumentException naming {@code --save-dtype} for bfloat16
     */
    public static DType check(DType d) {
        return d == null ? DType.FP32 : check(d, d.toString());
    }

    private static DType check(DType d, String given) {
        if (d != DType.FP32 && d != DType.FP16) throw refused(given);
        return d;
    }

    private static IllegalArgumentException refused(String given) {
        return new IllegalArgumentException("--save-dtype must be fp32 or fp16, got '" + given + "'");
    }
}
