package io.easel.sampling;

import io.easel.sampling.SchedulerConfig.PredictionType;
import org.bytedeco.pytorch.Tensor;

import static io.easel.sampling.Schedule.sqrtf;
import static io.easel.tensor.T.s;

/** EulerDiscreteScheduler.step with s_churn = 0 (Karras et al. 2022, Algorithm 2 without churn). */
final class EulerStepper implements Stepper {
    private final Schedule plan;
    private final double[] sigmas;

    EulerStepper(Schedule plan) {
        this.plan = plan;
        this.sigmas = plan.sigmas();
    }

    @Override public Tensor scaleModelInput(Tensor x, int i) {
        float sigma = (float) sigmas[i];
        return x.div(s(sqrtf(sigma * sigma + 1f)));
    }

    @Override public Tensor step(Tensor out, int i, Tensor x, Rng rng) {
        // x, out: [N,C,h,w] -> [N,C,h,w]
        float sigma = (float) sigmas[i];  // sigma_hat = sigma * (gamma + 1) with gamma = 0
        Tensor x0 = predictX0(plan.config().predictionType(), out, x, sigma);
        Tensor derivative = x.sub(x0).div(s(sigma));
        float dt = (float) sigmas[i + 1] - sigma;
        return x.add(derivative.mul(s(dt)));
    }

    /** The denoised estimate from an epsilon or v output at noise level sigma (shared with Euler a). */
    static Tensor predictX0(PredictionType p, Tensor out, Tensor x, float sigma) {
        if (p == PredictionType.EPSILON) return x.sub(out.mul(s(sigma)));
        float sq = sigma * sigma + 1f;
        return out.mul(s(-sigma / sqrtf(sq))).add(x.div(s(sq)));
    }
}
