package io.easel.train;

import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An exponential moving average of a module's parameters, as diffusers' {@code EMAModel} keeps
 * it for {@code train_text_to_image.py --use_ema} (its defaults: no EMA warm-up, update after
 * every optimizer step from the first):
 * <pre>
 *   decay(k) = 0                                  at optimizer step k = 1 (the average starts as the weights)
 *            = min(maxDecay, k / (9 + k))         after ((1 + s) / (10 + s) with s = k - 1)
 *   ema     -= (1 - decay(k)) * (ema - param)
 * </pre>
 * The average lives in a second module of the same architecture, which the recipe registers as a
 * {@link Component} with no trainable parameter: checkpoints then hold it and a resume restores it.
 */
public final class Ema {
    private final List<Tensor> params = new ArrayList<>(), averages = new ArrayList<>();
    private final double maxDecay;

    /**
     * Sets every parameter of {@code average} to a float32 copy of the same parameter of
     * {@code source} (same keys and shapes), to be updated from the source's live tensors.
     * Call it after the source's parameters were made trainable ({@link Trainer}'s constructor
     * replaces them with private copies).
     *
     * @param maxDecay the decay the warm-up rises to, in (0, 1)
     */
    public Ema(Module source, Module average, double maxDecay) {
        if (!(maxDecay > 0 && maxDecay < 1)) throw new IllegalArgumentException("--ema-decay must be within (0, 1), got " + maxDecay);
        this.maxDecay = maxDecay;
        Map<String, Param> src = source.parameters(), dst = average.parameters();
        if (!src.keySet().equals(dst.keySet())) throw new IllegalArgumentException("the EMA model's parameters differ from the trained model's");
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Param> e : src.entrySet()) {
                Tensor p = e.getValue().get();
                Param a = dst.get(e.getKey());
                a.set(Tensors.keep(p.detach().to(torch.ScalarType.Float).clone().contiguous()));
                params.add(p);
                averages.add(a.get());
            }
        }
    }

    /** The decay applied after optimizer step {@code step} (1 for the first). */
    public double decay(long step) {
        if (step <= 1) return 0.0;
        return Math.min(maxDecay, (double) step / (9.0 + step));
    }

    /**
     * Updates the average after optimizer step {@code step}. The trained module's parameters are
     * read through the tensors it held at construction, which the optimizer updates in place.
     */
    public void update(long step) {
        double w = 1.0 - decay(step);
        try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor a = averages.get(i);
                a.sub_(a.sub(params.get(i)).mul(T.s(w)));
            }
        }
    }
}
