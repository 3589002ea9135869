package io.easel.train;

import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters being trained, by name, made ready for autograd: each tensor is replaced by a
 * private contiguous float32 copy (loaded weights may be memory-mapped views of a checkpoint
 * file, or shared) that requires gradients. Names are whatever the caller chose, normally
 * {@code <component>/<diffusers key>}.
 */
public final class TrainableParams {
    private final LinkedHashMap<String, Param> params;

    private TrainableParams(LinkedHashMap<String, Param> params) { this.params = params; }

    /**
     * Copies every parameter's tensor and marks the copy as requiring gradients.
     *
     * @throws IllegalArgumentException when a parameter is unset or not float32 (training keeps
     *         fp32 master weights; half-precision weights would lose most Adam updates)
     */
    public static TrainableParams prepare(Map<String, Param> byName) {
        LinkedHashMap<String, Param> m = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Param> e : byName.entrySet()) {
                Param p = e.getValue();
                if (!p.isSet()) throw new IllegalArgumentException("trainable parameter '" + e.getKey() + "' was never loaded or initialised");
                Tensor t = p.get();
                if (T.dtype(t).value != torch.ScalarType.Float.value)
                    throw new IllegalArgumentException("trainable parameter '" + e.getKey() + "' is " + T.dtype(t) + "; training needs float32 weights");
                Tensor c = Tensors.keep(t.clone().contiguous());
                c.requires_grad_(true);
                p.set(c);
                m.put(e.getKey(), p);
            }
        }
        return new TrainableParams(m);
    }

    /** Names in training order (the order gradients are summed for the global norm). */
    public List<String> names() { return new ArrayList<>(params.keySet()); }

    public int size() { return params.size(); }

    /** The live parameter tensor of {@code name}. */
    public Tensor tensor(String name) {
        Param p = params.get(name);
        if (p == null) throw new IllegalArgumentException("no trainable parameter '" + name + "'");
        return p.get();
    }

    public Map<String, Param> params() { return Collections.unmodifiableMap(params); }

    /** The live tensors, in order. */
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>(params.size());
        for (Param p : params.values()) out.add(p.get());
        return out;
    }

    /** Total number of trained scalars. */
    public long count() {
        long n = 0;
        for (Param p : params.values()) n += T.numel(p.shape());
        return n;
    }

    /** Drops every gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        for (Param p : params.values()) {
            Tensor t = p.get();
            if (t.grad().defined()) t.mutable_grad().put(new Tensor());
        }
    }

    /** Stops gradients for these parameters (their tensors stay). */
    public void freeze() {
        for (Param p : params.values()) p.get().requires_grad_(false);
    }
}
