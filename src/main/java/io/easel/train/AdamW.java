package io.easel.train;

import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with exactly the arithmetic of {@code torch.optim.AdamW} (single-tensor path, which is
 * what PyTorch runs for CPU tensors; amsgrad off, no maximize). For each parameter p with
 * gradient g, at its step count s (counted from 1):
 * <pre>
 *   p.mul_(1 - lr * weight_decay)                       // decoupled weight decay
 *   exp_avg.lerp_(g, 1 - beta1)
 *   exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2)
 *   bias_correction1 = 1 - beta1^s,  bias_correction2 = 1 - beta2^s
 *   denom = (exp_avg_sq.sqrt() / sqrt(bias_correction2)).add_(eps)
 *   p.addcdiv_(exp_avg, denom, -lr / bias_correction1)
 * </pre>
 * Parameters without a gradient are skipped, and their step count does not advance, as in
 * PyTorch. The state (both moments and the step count of every parameter) round-trips through
 * {@link #state()} and {@link #loadState} bit for bit.
 */
public final class AdamW implements AutoCloseable {
    private final AdamWConfig config;
    private final TrainableParams params;
    private final Map<String, Tensor> expAvg = new HashMap<>();
    private final Map<String, Tensor> expAvgSq = new HashMap<>();
    private final Map<String, Long> steps = new HashMap<>();

    public AdamW(AdamWConfig config, TrainableParams params) {
        this.config = config;
        this.params = params;
    }

    public AdamWConfig config() { return config; }

    /** One update of every parameter that has a gradient, at learning rate {@code lr} (the schedule's value for this step). */
    public void step(double lr) {
        double beta1 = config.beta1(), beta2 = config.beta2(), eps = config.eps(), wd = config.weightDecay();
        try (NoGradGuard g = new NoGradGuard()) {
            for (String name : params.names()) {
                try (PointerScope s = new PointerScope()) {
                    Tensor p = params.tensor(name);
                    Tensor grad = p.grad();
                    if (!grad.defined()) continue;
                    Tensor m = expAvg.get(name), v = expAvgSq.get(name);
                    if (m == null) {
                        m = Tensors.keep(torch.zeros_like(p));
                        v = Tensors.keep(torch.zeros_like(p));
                        expAvg.put(name, m);
                        expAvgSq.put(name, v);
                    }
                    long step = steps.getOrDefault(name, 0L) + 1;
                    steps.put(name, step);
                    if (wd != 0) p.mul_(T.s(1 - lr * wd));
                    m.lerp_(grad, T.s(1 - beta1));
                    v.mul_(T.s(beta2)).addcmul_(grad, grad, T.s(1 - beta2));
                    double bc1 = 1 - Math.pow(beta1, step);
                    double bc2 = 1 - Math.pow(beta2, step);
                    double stepSize = lr / bc1;
                    Tensor denom = v.sqrt().div(T.s(Math.sqrt(bc2))).add_(T.s(eps));
                    p.addcdiv_(m, denom, T.s(-stepSize));
                }
            }
        }
    }

    /** The step count of {@code name} (0 before its first update). */
    public long stepCount(String name) { return steps.getOrDefault(name, 0L); }

    /** The first moment of {@code name}, or null before its first update. */
    public Tensor expAvg(String name) { return expAvg.get(name); }

    /** The second moment of {@code name}, or null before its first update. */
    public Tensor expAvgSq(String name) { return expAvgSq.get(name); }

    /**
     * The optimizer state as named tensors: {@code exp_avg/<name>}, {@code exp_avg_sq/<name>}
     * (float32, the parameter's shape) and {@code step/<name>} (int64 [1]), for every parameter
     * updated at least once. The tensors are the live state; write them before the next step.
     */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : params.names()) {
            if (!expAvg.containsKey(name)) continue;
            out.put("exp_avg/" + name, expAvg.get(name));
            out.put("exp_avg_sq/" + name, expAvgSq.get(name));
            out.put("step/" + name, T.fromLongs(new long[]{steps.get(name)}, 1));
        }
        return out;
    }

    /**
     * Replaces the state with {@code state} (as {@link #state()} wrote it), copying the tensors.
     *
     * @throws IllegalArgumentException naming a key that belongs to no trained parameter, a
     *         missing moment, or a shape that differs from the parameter's
     */
    public void loadState(Map<String, Tensor> state, String where) {
        Map<String, Tensor> m = new HashMap<>(), v = new HashMap<>();
        Map<String, Long> st = new HashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            String kind = slash < 0 ? key : key.substring(0, slash), name = slash < 0 ? "" : key.substring(slash + 1);
            if (!params.names().contains(name))
                throw new IllegalArgumentException(where + ": optimizer state '" + key + "' belongs to no trained parameter");
            switch (kind) {
                case "exp_avg" -> m.put(name, e.getValue());
                case "exp_avg_sq" -> v.put(name, e.getValue());
                case "step" -> st.put(name, e.getValue().to(torch.ScalarType.Long).item().toLong());
                default -> throw new IllegalArgumentException(where + ": unknown optimizer state '" + key + "'");
            }
        }
        for (String name : st.keySet()) {
            long[] want = T.shape(params.tensor(name));
            for (Map<String, Tensor> mm : java.util.List.of(m, v)) {
                Tensor t = mm.get(name);
                String kind = mm == m ? "exp_avg/" : "exp_avg_sq/";
                if (t == null) throw new IllegalArgumentException(where + ": optimizer state lacks '" + kind + name + "'");
                if (!Arrays.equals(T.shape(t), want))
                    throw new IllegalArgumentException(where + ": optimizer state '" + kind + name + "' has shape " + T.shapeString(t)
                            + " but the parameter has " + Arrays.toString(want));
            }
        }
        clearState();
        try (NoGradGuard g = new NoGradGuard()) {
            for (String name : st.keySet()) {
                expAvg.put(name, Tensors.keep(m.get(name).to(torch.ScalarType.Float).clone().contiguous()));
                expAvgSq.put(name, Tensors.keep(v.get(name).to(torch.ScalarType.Float).clone().contiguous()));
                steps.put(name, st.get(name));
            }
        }
    }

    private void clearState() {
        for (Tensor t : expAvg.values()) t.close();
        for (Tensor t : expAvgSq.values()) t.close();
        expAvg.clear();
        expAvgSq.clear();
        steps.clear();
    }

    @Override public void close() { clearState(); }
}
