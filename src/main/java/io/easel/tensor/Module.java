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
    public final void init(Generator g, DType dtype) { init(g, dtype, false); }

    /**
     * As {@link #init(Generator, DType)}; with {@code pack} each layer is packed for inference
     * right after it is initialised, so the dense copies of the whole model never coexist.
     */
    public final void init(Generator g, DType dtype, boolean pack) {
        initOwn(g, dtype);
        if (pack) packOwn();
        for (Module m : children.values()) m.init(g, dtype, pack);
    }

    /** Visits this module and every descendant, depth first, with its key prefix ("" for this one, else "a.b."). */
    public final void visit(java.util.function.BiConsumer<String, Module> visitor) { visit("", visitor); }

    private void visit(String prefix, java.util.function.BiConsumer<String, Module> visitor) {
        visitor.accept(prefix, this);
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().visit(prefix + e.getKey() + ".", visitor);
    }

    /** The parameters registered directly on this module, by their own (last) key segment. */
    public final Map<String, Param> ownParameters() { return Collections.unmodifiableMap(params); }

    /** Initialises the parameters registered directly on this module. */
    protected void initOwn(Generator g, DType dtype) {
        if (!params.isEmpty())
            throw new IllegalStateException(getClass().getSimpleName() + " registers parameters but has no initialiser");
    }

    /**
     * Converts weights to the layouts the CPU kernels run fastest with, for inference only: the
     * dense tensors are released, so the module can no longer be trained or saved afterwards.
     * Idempotent; results are bit-identical to the dense path.
     */
    public final void packForInference() {
        packOwn();
        for (Module m : children.values()) m.packForInference();
    }

    /** Packs the parameters registered directly on this module; most modules have nothing to pack. */
    protected void packOwn() {}

    /** Packs only this module's own parameters (see {@link #packForInference()}). */
    public final void packForInferenceOwn() { packOwn(); }

    /** Frees every parameter tensor. */
    @Override
    public void close() {
        for (Param p : parameters().values()) p.release();
    }
}
