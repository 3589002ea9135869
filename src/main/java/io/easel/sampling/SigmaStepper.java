package io.easel.sampling;

import io.easel.sampling.SchedulerConfig.PredictionType;
import org.bytedeco.pytorch.Tensor;

import static io.easel.sampling.Schedule.sqrtf;
import static io.easel.tensor.T.s;

/**
 * The common part of the k-diffusion style steppers (Euler, Euler a): they work on the sigma
 * schedule, scale the model input by {@code 1/sqrt(sigma^2+1)} and turn the model output into a
 * denoised estimate.
 */
abstract class SigmaStepper implements Stepper {
    protected final Schedule plan;
    protected final double[] sigmas;

    SigmaStepper(Schedule plan) {
        this.plan = plan;
        this.sigmas = plan.sigmas();
    }

    @Override public Tensor scaleModelInput(Tensor x, int i) {
        float sigma = (float) sigmas[i];
        return x.div(s(sqrtf(sigma * sigma + 1f)));
    }

    /** The denoised estimate from an epsilon or v output at noise level sigma. */
    protected Tensor predictX0(Tensor out, Tensor x, float sigma) {
        if (plan.config().predictionType() == PredictionType.EPSILON) return x.sub(out.mul(s(sigma)));
        float sq = sigma * sigma + 1f;
        return out.mul(s(-sigma / sqrtf(sq))).add(x.div(s(sq)));
    }
}
