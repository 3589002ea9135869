package io.easel.sampling;

import org.bytedeco.pytorch.Tensor;

import static io.easel.tensor.T.s;

/** EulerDiscreteScheduler.step with s_churn = 0 (Karras et al. 2022, Algorithm 2 without churn). */
final class EulerStepper extends SigmaStepper {
    EulerStepper(Schedule plan) { super(plan); }

    @Override public Tensor step(Tensor out, int i, Tensor x, Rng rng) {
        // x, out: [N,C,h,w] -> [N,C,h,w]
        float sigma = (float) sigmas[i];  // sigma_hat = sigma * (gamma + 1) with gamma = 0
        Tensor x0 = predictX0(out, x, sigma);
        Tensor derivative = x.sub(x0).div(s(sigma));
        float dt = (float) sigmas[i + 1] - sigma;
        return x.add(derivative.mul(s(dt)));
    }
}
