package io.easel.weights;

import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tensors already in memory (a model's parameters, say) as a {@link TensorSource}, so that the
 * key tables of {@link KeyMaps} map them the way they map a file. {@link #load} hands out the
 * tensors themselves, not copies; closing does nothing (the tensors belong to the caller).
 */
public final class TensorMap implements TensorSource {
    private final Path path;
    private final Map<String, Tensor> tensors;
    private final Map<String, TensorInfo> infos;

    /** @param path names the tensors in messages (the file they are being written to, say) */
    public TensorMap(Path path, Map<String, Tensor> tensors) {
        this.path = path;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        Map<String, TensorInfo> in = new LinkedHashMap<>();
        tensors.forEach((k, t) -> in.put(k, new TensorInfo(k, DTypes.name(t.scalar_type()), T.shape(t))));
        this.infos = Collections.unmodifiableMap(in);
    }

    @Override public Path path() { return path; }

    @Override public Map<String, TensorInfo> infos() { return infos; }

    @Override
    public Tensor load(String key) {
        Tensor t = tensors.get(key);
        if (t == null) throw new WeightsException(path + ": no tensor '" + key + "'");
        return t;
    }
}
