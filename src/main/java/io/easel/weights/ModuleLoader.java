package io.easel.weights;

import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Loads a module's parameters from a source whose keys are already the module's (diffusers) keys.
 * Strict: a missing key, a shape mismatch or an unexpected key is an error naming the key;
 * keys matched by {@code knownExtra} are counted and ignored.
 */
public final class ModuleLoader {
    private ModuleLoader() {}

    /** What a load did. */
    public record Report(int loaded, int ignored, List<String> ignoredKeys) {}

    public static Report load(Module m, TensorSource src, DType dtype, Predicate<String> knownExtra) {
        return load(m, src, dtype, knownExtra, false);
    }

    /**
     * As above; with {@code pack} each layer is packed for inference as soon as its weights are in,
     * so that a full dense copy of the model never exists next to the packed one.
     */
    public static Report load(Module m, TensorSource src, DType dtype, Predicate<String> knownExtra, boolean pack) {
        Map<String, Param> params = m.parameters();
        Map<String, TensorInfo> infos = src.infos();
        List<String> unexpected = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (String k : infos.keySet()) {
            if (params.containsKey(k)) continue;
            if (knownExtra != null && knownExtra.test(k)) ignored.add(k);
            else unexpected.add(k);
        }
        if (!unexpected.isEmpty())
            throw new WeightsException(src.path() + ": unexpected key '" + unexpected.get(0) + "'"
                    + (unexpected.size() > 1 ? " (and " + (unexpected.size() - 1) + " more)" : "")
                    + " for " + m.getClass().getSimpleName());
        for (Map.Entry<String, Param> e : params.entrySet()) {
            TensorInfo info = infos.get(e.getKey());
            if (info == null)
                throw new WeightsException(src.path() + ": missing key '" + e.getKey() + "' for " + m.getClass().getSimpleName());
            if (!Arrays.equals(info.shape(), e.getValue().shape()))
                throw new WeightsException(src.path() + ": key '" + e.getKey() + "' has shape " + info.shapeString()
                        + " but the architecture expects " + Arrays.toString(e.getValue().shape()));
        }
        m.visit((prefix, mod) -> {
            for (Map.Entry<String, Param> e : mod.ownParameters().entrySet()) {
                String key = prefix + e.getKey();
                Tensor t = src.load(key);
                Tensor c = T.dtype(t).value == dtype.scalarType().value ? t.contiguous() : t.to(dtype.scalarType()).contiguous();
                e.getValue().set(c);
            }
            if (pack) mod.packForInferenceOwn();
        });
        return new Report(params.size(), ignored.size(), ignored);
    }
}
