package io.easel.sampling;

import io.easel.sampling.SchedulerConfig.FinalSigmasType;
import io.easel.sampling.SchedulerConfig.PredictionType;
import org.bytedeco.pytorch.Tensor;

import static io.easel.sampling.Schedule.sqrtf;
import static io.easel.tensor.T.s;

/**
 * DPMSolverMultistepScheduler.step with algorithm_type dpmsolver++, solver_order 2, midpoint
 * (Lu et al. 2022): first order on the first step of a run and on a lower-order final step,
 * second order in between, on the data prediction x0.
 */
final class DpmSolver2MStepper implements Stepper {
    private final Schedule plan;
    private final double[] sigmas;
    private final double[] timesteps;
    private Tensor prevX0;      // the previous step's x0 prediction (m1), kept across step scopes
    private int lowerOrderNums;

    DpmSolver2MStepper(Schedule plan) {
        this.plan = plan;
        this.sigmas = plan.sigmas();
        this.timesteps = plan.timesteps();
    }

    @Override public Tensor scaleModelInput(Tensor x, int i) { return x; }

    @Override public Tensor step(Tensor out, int i, Tensor x, Rng rng) {
        // x, out: [N,C,h,w] -> [N,C,h,w]
        SchedulerConfig cfg = plan.config();
        int n = timesteps.length;
        boolean lowerOrderFinal = i == n - 1
                && (cfg.eulerAtFinal() || (cfg.lowerOrderFinal() && n < 15) || cfg.finalSigmasType() == FinalSigmasType.ZERO);
        // 1. convert_model_output: x0 prediction at sigma_s0
        float s0 = (float) sigmas[i];
        float alphaS0 = alpha(s0), sigmaS0 = s0 * alphaS0;
        Tensor x0 = cfg.predictionType() == PredictionType.EPSILON
                ? x.sub(out.mul(s(sigmaS0))).div(s(alphaS0))
                : x.mul(s(alphaS0)).sub(out.mul(s(sigmaS0)));
        // 2. the update to sigma_t (lambda = log(alpha) - log(sigma); sigma_t = 0 gives h = inf and x_t = x0)
        float st = (float) sigmas[i + 1];
        float alphaT = alpha(st), sigmaT = st * alphaT;
        float h = lambda(alphaT, sigmaT) - lambda(alphaS0, sigmaS0);
        float c0 = alphaT * (expf(-h) - 1f);
        Tensor xt;
        if (lowerOrderNums < 1 || lowerOrderFinal) {
            xt = x.mul(s(sigmaT / sigmaS0)).sub(x0.mul(s(c0)));
        } else {
            float s1 = (float) sigmas[i - 1];
            float alphaS1 = alpha(s1);
            float h0 = lambda(alphaS0, sigmaS0) - lambda(alphaS1, s1 * alphaS1);
            float r0 = h0 / h;
            Tensor d1 = x0.sub(prevX0).mul(s(1f / r0));
            xt = x.mul(s(sigmaT / sigmaS0)).sub(x0.mul(s(c0))).sub(d1.mul(s(0.5f * c0)));
        }
        if (lowerOrderNums < 2) lowerOrderNums++;
        // 3. keep this x0 past the caller's step scope; drop the one before
        x0.retainReference();
        if (prevX0 != null) prevX0.releaseReference();
        prevX0 = x0;
        return xt;
    }

    @Override public void close() {
        if (prevX0 != null) prevX0.releaseReference();
        prevX0 = null;
    }

    private static float alpha(float sigma) { return 1f / sqrtf(sigma * sigma + 1f); }
    private static float lambda(float alpha, float sigma) { return (float) Math.log(alpha) - (float) Math.log(sigma); }
    private static float expf(float v) { return (float) Math.exp(v); }
}
