package io.easel.sampling;

import io.easel.sampling.SchedulerConfig.PredictionType;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

import static io.easel.sampling.Schedule.sqrtf;
import static io.easel.tensor.T.s;

/** DDIMScheduler.step (Song et al. 2020, eq. 12); eta &gt; 0 adds variance noise drawn from the run's generator. */
final class DdimStepper implements Stepper {
    private final Schedule plan;
    private final double[] timesteps;
    private final float[] ac;
    private final float finalAlpha;
    private final int stride;

    DdimStepper(Schedule plan) {
        this.plan = plan;
        this.timesteps = plan.timesteps();
        this.ac = plan.alphasCumprod();
        this.finalAlpha = plan.config().setAlphaToOne() ? 1f : ac[0];
        this.stride = plan.config().numTrainTimesteps() / plan.steps();
    }

    @Override public Tensor scaleModelInput(Tensor x, int i) { return x; }

    @Override public Tensor step(Tensor out, int i, Tensor x, Rng rng) {
        // x, out: [N,C,h,w] -> [N,C,h,w]
        int t = (int) timesteps[i];
        int prev = t - stride;
        float a = ac[t], aPrev = prev >= 0 ? ac[prev] : finalAlpha;
        float b = 1f - a;
        // 1. predicted x0 and epsilon
        Tensor x0, eps;
        if (plan.config().predictionType() == PredictionType.EPSILON) {
            x0 = x.sub(out.mul(s(sqrtf(b)))).div(s(sqrtf(a)));
            eps = out;
        } else {
            x0 = x.mul(s(sqrtf(a))).sub(out.mul(s(sqrtf(b))));
            eps = out.mul(s(sqrtf(a))).add(x.mul(s(sqrtf(b))));
        }
        if (plan.config().clipSample()) {
            double r = plan.config().clipSampleRange();
            x0 = x0.clamp(new ScalarOptional(s(-r)), new ScalarOptional(s(r)));
        }
        // 2. sigma_t = eta * sqrt(variance); the direction pointing to x_t
        float variance = ((1f - aPrev) / b) * (1f - a / aPrev);
        float std = (float) plan.eta() * sqrtf(variance);
        Tensor dir = eps.mul(s(sqrtf(1f - aPrev - std * std)));
        Tensor prevSample = x0.mul(s(sqrtf(aPrev))).add(dir);
        // 3. fresh noise only when eta > 0, so deterministic runs leave the generator untouched
        if (plan.eta() > 0) prevSample = prevSample.add(rng.randnLike(out).mul(s(std)));
        return prevSample;
    }
}
