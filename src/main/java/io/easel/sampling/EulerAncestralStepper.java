package io.easel.sampling;

import org.bytedeco.pytorch.Tensor;

import static io.easel.sampling.Schedule.sqrtf;
import static io.easel.tensor.T.s;

/**
 * EulerAncestralDiscreteScheduler.step: an Euler step down to sigma_down, then fresh noise of
 * size sigma_up drawn from the run's generator (every step, the last included, as diffusers does).
 */
final class EulerAncestralStepper implements Stepper {
    private final Schedule plan;
    private final double[] sigmas;

    EulerAncestralStepper(Schedule plan) {
        this.plan = plan;
        this.sigmas = plan.sigmas();
    }

    @Override public Tensor scaleModelInput(Tensor x, int i) {
        float sigma = (float) sigmas[i];
        return x.div(s(sqrtf(sigma * sigma + 1f)));
    }

    @Override public Tensor step(Tensor out, int i, Tensor x, Rng rng) {
        // x, out: [N,C,h,w] -> [N,C,h,w]
        float from = (float) sigmas[i], to = (float) sigmas[i + 1];
        Tensor x0 = EulerStepper.predictX0(plan.config().predictionType(), out, x, from);
        float up = sqrtf(to * to * (from * from - to * to) / (from * from));
        float down = sqrtf(to * to - up * up);
        Tensor derivative = x.sub(x0).div(s(from));
        Tensor prev = x.add(derivative.mul(s(down - from)));
        return prev.add(rng.randnLike(out).mul(s(up)));
    }
}
