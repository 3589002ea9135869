package io.easel.sampling;

import org.bytedeco.pytorch.Tensor;

import static io.easel.sampling.Schedule.sqrtf;
import static io.easel.tensor.T.s;

/**
 * EulerAncestralDiscreteScheduler.step: an Euler step down to sigma_down, then fresh noise of
 * size sigma_up drawn from the run's generator (every step, the last included, as diffusers does).
 */
final class EulerAncestralStepper extends SigmaStepper {
    EulerAncestralStepper(Schedule plan) { super(plan); }

    @Override public Tensor step(Tensor out, int i, Tensor x, Rng rng) {
        // x, out: [N,C,h,w] -> [N,C,h,w]
        float from = (float) sigmas[i], to = (float) sigmas[i + 1];
        Tensor x0 = predictX0(out, x, from);
        float up = sqrtf(to * to * (from * from - to * to) / (from * from));
        float down = sqrtf(to * to - up * up);
        Tensor derivative = x.sub(x0).div(s(from));
        Tensor prev = x.add(derivative.mul(s(down - from)));
        return prev.add(rng.randnLike(out).mul(s(up)));
    }
}
