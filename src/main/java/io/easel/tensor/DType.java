package io.easel.tensor;

import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Compute and storage precisions Easel supports. */
public enum DType {
    FP32("fp32", ScalarType.Float, 4),
    BF16("bf16", ScalarType.BFloat16, 2),
    FP16("fp16", ScalarType.Half, 2);

    private final String cliName;
    private final ScalarType scalarType;
    private final int bytes;

    DType(String cliName, ScalarType scalarType, int bytes) {
        this.cliName = cliName;
        this.scalarType = scalarType;
        this.bytes = bytes;
    }

    public String cliName() { return cliName; }
    public ScalarType scalarType() { return scalarType; }
    public int bytes() { return bytes; }

    /** Parses "fp32", "bf16", "fp16" (also "float32", "bfloat16", "float16"). */
    public static DType parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fp32": case "float32": case "f32": case "float": return FP32;
            case "bf16": case "bfloat16": return BF16;
            case "fp16": case "float16": case "f16": case "half": return FP16;
            default: throw new IllegalArgumentException("unknown dtype '" + s + "' (expected fp32, bf16 or fp16)");
        }
    }

    public static DType of(ScalarType st) {
        for (DType d : values()) if (d.scalarType.value == st.value) return d;
        throw new IllegalArgumentException("unsupported tensor dtype " + st);
    }

    @Override public String toString() { return cliName; }

    static { torch.kFloat(); }
}
