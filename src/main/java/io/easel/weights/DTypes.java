package io.easel.weights;

import org.bytedeco.pytorch.global.torch.ScalarType;

import io.easel.tensor.T;

import java.util.Locale;

/** Mapping between safetensors dtype names and libtorch scalar types. */
final class DTypes {
    private DTypes() {}

    static ScalarType scalarType(String st) {
        switch (st) {
            case "F32": return ScalarType.Float;
            case "F16": return ScalarType.Half;
            case "BF16": return ScalarType.BFloat16;
            case "F64": return ScalarType.Double;
            case "I64": return ScalarType.Long;
            case "I32": return ScalarType.Int;
            case "I16": return ScalarType.Short;
            case "I8": return ScalarType.Char;
            case "U8": return ScalarType.Byte;
            case "BOOL": return ScalarType.Bool;
            default: return null;
        }
    }

    static int size(String st) {
        switch (st) {
            case "F64": case "I64": return 8;
            case "F32": case "I32": return 4;
            case "F16": case "BF16": case "I16": return 2;
            case "I8": case "U8": case "BOOL": return 1;
            default: return -1;
        }
    }

    static String name(ScalarType t) {
        switch (T.canonical(t)) {
            case Float: return "F32";
            case Half: return "F16";
            case BFloat16: return "BF16";
            case Double: return "F64";
            case Long: return "I64";
            case Int: return "I32";
            case Short: return "I16";
            case Char: return "I8";
            case Byte: return "U8";
            case Bool: return "BOOL";
            default: throw new IllegalArgumentException("cannot store dtype " + t.toString().toLowerCase(Locale.ROOT));
        }
    }
}
