package io.easel.tensor;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of a network. Parameters and children are registered under the key segments of the
 * reference checkpoints (diffusers / transformers), so {@link #parameters()} yields exactly the
 * checkpoint's keys and a diffusers file loads without any mapping.
 */
public abstract class Module implements AutoCloseable {
    private final LinkedHashMap<String, Param> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();

    protected final Param param(String name, long... shape) {
        Param p = new Param(shape);
        if (params.put(name, p) != null) throw new IllegalStateException("duplicate parameter " + name);
        return p;
    }

    protected final <M extends Module> M child(String name, M m) {
        if (children.put(name, m) != null) throw new IllegalStateException("duplicate child " + name);
        return m;
    }

    /** Every parameter below this module, keyed by dotted path, in registration order. */
    public final Map<String, Param> parameters() {
        LinkedHashMap<String, Param> out = new LinkedHashMap<>();
        collect("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Param> out) {
        for (Map.Entry<String, Param> e : params.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out);
    }

    public final Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** Number of scalar parameters (by declared shape). */
    public final long parameterCount() {
        long n = 0;
        for (Param p : parameters().values()) n += T.numel(p.shape());
        return n;
    }

    /**
     * Initialises this module's own parameters as PyTorch's default would for the layer type;
     * the base implementation recurses into children. Leaf layers override {@link #initOwn}.
     */
    public final void init(Generator g, DType dtype) {
        initOwn(g, dtype);
        for (Module m : children.values()) m.init(g, dtype);
    }

    /** Initialises the parameters registered directly on this module. */
    protected void initOwn(Generator g, DType dtype) {
        if (!params.isEmpty())
            throw new IllegalStateException(getClass().getSimpleName() + " registers parameters but has no initialiser");
    }

    /** Frees every parameter tensor. */
    @Override
    public void close() {
        for (Param p : parameters().values()) p.release();
    }
}
