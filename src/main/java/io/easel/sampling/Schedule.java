package io.easel.sampling;

import io.easel.sampling.SchedulerConfig.BetaSchedule;
import io.easel.sampling.SchedulerConfig.FinalSigmasType;
import io.easel.sampling.SchedulerConfig.TimestepSpacing;
import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

import static io.easel.tensor.T.s;

/**
 * The plan of one sampling run: what diffusers' {@code set_timesteps(steps)} computes for the
 * chosen scheduler, shared by the sampler's per-step arithmetic ({@link Sampler}).
 *
 * @param kind           the sampler
 * @param config         the scheduler config it was planned from
 * @param steps          the requested number of inference steps
 * @param eta            DDIM's eta (0 deterministic, 1 DDPM-like); 0 for the other samplers
 * @param timesteps      the timestep of each step, as the model sees it (integers for DDIM and
 *                       DPM++, float32 values for Euler and Euler a)
 * @param sigmas         the float32 sigma of each step plus the final one ({@code timesteps.length + 1}
 *                       values); empty for DDIM, which works on alpha products
 * @param initNoiseSigma the factor by which a txt2img run scales unit noise ({@code init_noise_sigma})
 * @param alphasCumprod  the float32 training alpha products ({@code alphas_cumprod}, num_train_timesteps values)
 */
public record Schedule(
        SamplerKind kind,
        SchedulerConfig config,
        int steps,
        double eta,
        double[] timesteps,
        double[] sigmas,
        double initNoiseSigma,
        float[] alphasCumprod) {

    /** {@link #plan(SamplerKind, SchedulerConfig, int, double)} with eta 0. */
    public static Schedule plan(SamplerKind kind, SchedulerConfig cfg, int steps) {
        return plan(kind, cfg, steps, 0.0);
    }

    /**
     * Plans {@code steps} inference steps as diffusers' {@code set_timesteps} does for the
     * scheduler behind {@code kind}.
     *
     * @throws IllegalArgumentException when the combination is not supported (eta &gt; 0 for a
     *         sampler other than DDIM, Karras sigmas with DDIM or Euler a, too many steps)
     */
    public static Schedule plan(SamplerKind kind, SchedulerConfig cfg, int steps, double eta) {
        if (steps < 1 || steps > cfg.numTrainTimesteps())
            throw new IllegalArgumentException("steps must be within 1.." + cfg.numTrainTimesteps() + ", got " + steps);
        if (!(eta >= 0)) throw new IllegalArgumentException("eta must be >= 0, got " + eta);
        if (eta != 0 && kind != SamplerKind.DDIM)
            throw new IllegalArgumentException("eta applies to ddim only; " + kind + " got eta=" + eta);
        if (cfg.useKarrasSigmas() && (kind == SamplerKind.DDIM || kind == SamplerKind.EULER_A))
            throw new IllegalArgumentException("use_karras_sigmas=true is not supported by " + kind);
        float[] ac = alphasCumprod(cfg);
        // Euler, Euler a and DPM++ with zero terminal SNR: "close to 0 without being 0 so first
        // sigma is not inf", 2**-24 as diffusers sets it; DDIM keeps the exact 0 (v-prediction
        // gives x0 = -v there).
        if (cfg.rescaleBetasZeroSnr() && kind != SamplerKind.DDIM) ac[ac.length - 1] = 0x1p-24f;
        float[] trainSigmas = trainSigmas(ac);
        switch (kind) {
            case DDIM: {
                double[] ts = ddimTimesteps(cfg, steps);
                for (double t : ts)
                    if (t < 0 || t >= cfg.numTrainTimesteps())
                        throw new IllegalArgumentException("timestep " + (long) t + " out of range: check steps_offset (" + cfg.stepsOffset() + ")");
                return new Schedule(kind, cfg, steps, eta, ts, new double[0], 1.0, ac);
            }
            case EULER: case EULER_A:
                return eulerPlan(kind, cfg, steps, ac, trainSigmas);
            case DPMPP_2M: case DPMPP_2M_KARRAS:
                return dpmPlan(kind, cfg, steps, ac, trainSigmas);
            default: throw new AssertionError(kind);
        }
    }

    /** A copy of the timesteps. */
    @Override public double[] timesteps() { return timesteps.clone(); }

    /** A copy of the sigmas (empty for DDIM). */
    @Override public double[] sigmas() { return sigmas.clone(); }

    /** A copy of the training alpha products. */
    @Override public float[] alphasCumprod() { return alphasCumprod.clone(); }

    /** The number of steps the plan takes (normally {@link #steps}). */
    public int length() { return timesteps.length; }

    /**
     * The step img2img starts at for a denoising {@code strength} in [0, 1], as diffusers'
     * img2img pipelines compute it: {@code steps - min(int(steps * strength), steps)}.
     */
    public int startIndex(double strength) {
        if (!(strength >= 0 && strength <= 1)) throw new IllegalArgumentException("strength must be within [0, 1], got " + strength);
        int init = Math.min((int) (steps * strength), steps);
        return Math.max(steps - init, 0);
    }

    /**
     * Noises clean latents to the level of step {@code stepIndex} (diffusers' {@code add_noise}
     * at {@code timesteps[stepIndex]}): {@code sqrt(a)*x0 + sqrt(1-a)*noise} for DDIM,
     * {@code x0 + sigma*noise} for Euler and Euler a, {@code alpha*x0 + sigma_t*noise} for DPM++.
     */
    public Tensor addNoise(Tensor x0, Tensor noise, int stepIndex) {
        if (stepIndex < 0 || stepIndex >= timesteps.length)
            throw new IllegalArgumentException("step index " + stepIndex + " outside 0.." + (timesteps.length - 1));
        switch (kind) {
            case DDIM: {
                float a = alphasCumprod[(int) timesteps[stepIndex]];
                return x0.mul(s(sqrtf(a))).add(noise.mul(s(sqrtf(1f - a))));
            }
            case EULER: case EULER_A:
                return x0.add(noise.mul(s((float) sigmas[stepIndex])));
            default: {
                float sigma = (float) sigmas[stepIndex];
                float alpha = 1f / sqrtf(sigma * sigma + 1f);
                return x0.mul(s(alpha)).add(noise.mul(s(sigma * alpha)));
            }
        }
    }

    /** A fresh per-run stepper (DPM++ keeps the previous step's prediction). */
    Stepper newStepper() {
        switch (kind) {
            case DDIM: return new DdimStepper(this);
            case EULER: return new EulerStepper(this);
            case EULER_A: return new EulerAncestralStepper(this);
            default: return new DpmSolver2MStepper(this);
        }
    }

    static float sqrtf(float v) { return (float) Math.sqrt(v); }

    @Override public String toString() {
        return "Schedule[" + kind + ", " + steps + " steps, eta=" + eta + ", timesteps=" + Arrays.toString(timesteps)
                + ", sigmas=" + Arrays.toString(sigmas) + ", initNoiseSigma=" + initNoiseSigma + "]";
    }

    // ---- the training schedule: float32 torch arithmetic, done by libtorch itself ----

    /**
     * The float32 training {@code alphas_cumprod} of a noise schedule (diffusers' DDPMScheduler),
     * one per training timestep; with {@code rescale_betas_zero_snr} the last one is 0.
     */
    public static float[] trainingAlphasCumprod(SchedulerConfig cfg) { return alphasCumprod(cfg); }

    /** {@code alphas_cumprod} as diffusers' schedulers build it (float32 betas; libtorch's cumprod). */
    static float[] alphasCumprod(SchedulerConfig cfg) {
        int n = cfg.numTrainTimesteps();
        try (PointerScope scope = new PointerScope()) {
            Tensor betas;
            if (cfg.betaSchedule() == BetaSchedule.LINEAR) {
                betas = torch.linspace(s(cfg.betaStart()), s(cfg.betaEnd()), n, T.opts(ScalarType.Float));
            } else if (cfg.betaSchedule() == BetaSchedule.SCALED_LINEAR) {
                betas = torch.linspace(s(Math.sqrt(cfg.betaStart())), s(Math.sqrt(cfg.betaEnd())), n, T.opts(ScalarType.Float)).pow(s(2));
            } else {
                betas = T.fromFloats(cosineBetas(n), n);
            }
            if (cfg.rescaleBetasZeroSnr()) betas = rescaleZeroTerminalSnr(betas);
            Tensor alphas = betas.neg().add(s(1.0));
            return T.toFloats(torch.cumprod(alphas, 0));
        }
    }

    /**
     * diffusers' {@code rescale_zero_terminal_snr} (Lin et al. 2023, Algorithm 1), in float32 torch
     * arithmetic: sqrt(alphas_cumprod) shifted so that its last value is 0 and scaled so that its
     * first is unchanged, then turned back into betas.
     */
    static Tensor rescaleZeroTerminalSnr(Tensor betas) {
        Tensor alphas = betas.neg().add(s(1.0));
        Tensor sqrtAc = torch.cumprod(alphas, 0).sqrt();
        long n = sqrtAc.size(0);
        Tensor first = sqrtAc.narrow(0, 0, 1).clone(), last = sqrtAc.narrow(0, n - 1, 1).clone();
        sqrtAc = sqrtAc.sub(last).mul(first.div(first.sub(last)));
        Tensor ac = sqrtAc.pow(s(2));
        Tensor ratios = ac.narrow(0, 1, n - 1).div(ac.narrow(0, 0, n - 1));
        return torch.cat(new org.bytedeco.pytorch.TensorVector(ac.narrow(0, 0, 1), ratios), 0).neg().add(s(1.0));
    }

    /** {@code betas_for_alpha_bar(n)} with the cosine transform and max_beta 0.999, in float64 then float32. */
    private static float[] cosineBetas(int n) {
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n, t2 = (double) (i + 1) / n;
            b[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return b;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5} in float32, ascending in t. */
    static float[] trainSigmas(float[] ac) {
        float[] s = new float[ac.length];
        for (int i = 0; i < ac.length; i++) s[i] = sqrtf((1f - ac[i]) / ac[i]);
        return s;
    }

    // ---- inference timesteps, per scheduler class ----

    /** DDIMScheduler.set_timesteps (int64). */
    private static double[] ddimTimesteps(SchedulerConfig cfg, int n) {
        int train = cfg.numTrainTimesteps();
        switch (cfg.spacingFor(SamplerKind.DDIM)) {
            case LINSPACE: return NumpyMath.reverse(NumpyMath.round(NumpyMath.linspace(0, train - 1, n)));
            case LEADING: return leading(train / n, n, cfg.stepsOffset());
            default: return trailing(train, n, train);
        }
    }

    /** {@code (arange(0, count) * ratio)[::-1] + offset}. */
    private static double[] leading(int ratio, int count, int offset) {
        double[] t = new double[count];
        for (int i = 0; i < count; i++) t[i] = (double) (count - 1 - i) * ratio + offset;
        return t;
    }

    /**
     * {@code round(arange(last, 0, -train/n)) - 1}. numpy's arange yields n+1 values for some n
     * (61, 103, ...), the extra one being timestep -1; it is dropped here, where diffusers would
     * run an extra step at t = -1.
     */
    private static double[] trailing(int train, int n, int last) {
        double[] t = NumpyMath.round(NumpyMath.arange(last, 0, -((double) train / n)));
        double[] out = new double[Math.min(n, t.length)];
        for (int i = 0; i < out.length; i++) out[i] = t[i] - 1;
        return out;
    }

    /** EulerDiscreteScheduler / EulerAncestralDiscreteScheduler. */
    private static Schedule eulerPlan(SamplerKind kind, SchedulerConfig cfg, int n, float[] ac, float[] trainSigmas) {
        int train = cfg.numTrainTimesteps();
        double[] ts;
        switch (cfg.spacingFor(kind)) {
            case LINSPACE: ts = NumpyMath.reverse(NumpyMath.linspace(0, train - 1, n)); break;
            case LEADING: ts = leading(train / n, n, cfg.stepsOffset()); break;
            default: ts = trailing(train, n, train);
        }
        for (int i = 0; i < ts.length; i++) ts[i] = (float) ts[i];  // astype(np.float32)
        double[] sig = new double[ts.length];
        for (int i = 0; i < ts.length; i++) sig[i] = NumpyMath.interp(ts[i], trainSigmas);
        if (cfg.useKarrasSigmas()) {  // Euler only: Euler a refuses it in plan()
            sig = NumpyMath.karras(sig[sig.length - 1], sig[0], n);
            float[] logSigmas = logf(trainSigmas);
            ts = new double[sig.length];
            for (int i = 0; i < sig.length; i++) ts[i] = (float) NumpyMath.sigmaToT(sig[i], logSigmas);
        }
        double last = kind == SamplerKind.EULER && cfg.finalSigmasType() == FinalSigmasType.SIGMA_MIN ? trainSigmas[0] : 0.0;
        double[] sigmas = withLast(sig, last);
        float max = 0;
        for (double v : sigmas) max = Math.max(max, (float) v);
        TimestepSpacing sp = cfg.spacingFor(kind);
        double init = sp == TimestepSpacing.LEADING ? sqrtf(max * max + 1f) : max;
        return new Schedule(kind, cfg, n, 0.0, ts, sigmas, init, ac);
    }

    /** DPMSolverMultistepScheduler (dpmsolver++, lambda_min_clipped = -inf, so last_timestep = num_train_timesteps). */
    private static Schedule dpmPlan(SamplerKind kind, SchedulerConfig cfg, int n, float[] ac, float[] trainSigmas) {
        int train = cfg.numTrainTimesteps();
        double[] ts;
        switch (cfg.spacingFor(kind)) {
            case LINSPACE: {
                double[] all = NumpyMath.reverse(NumpyMath.round(NumpyMath.linspace(0, train - 1, n + 1)));
                ts = Arrays.copyOf(all, n);
                break;
            }
            case LEADING: ts = Arrays.copyOf(leading(train / (n + 1), n + 1, cfg.stepsOffset()), n); break;
            default: ts = trailing(train, n, train);
        }
        double[] sig;
        if (kind == SamplerKind.DPMPP_2M_KARRAS || cfg.useKarrasSigmas()) {
            sig = NumpyMath.karras(trainSigmas[0], trainSigmas[train - 1], n);
            float[] logSigmas = logf(trainSigmas);
            ts = new double[sig.length];
            for (int i = 0; i < sig.length; i++) {
                double t = NumpyMath.sigmaToT(sig[i], logSigmas);
                // diffusers rounds except for squaredcos_cap_v2; the int64 cast then truncates
                ts[i] = cfg.betaSchedule() == BetaSchedule.SQUAREDCOS_CAP_V2 ? (long) t : Math.rint(t);
            }
        } else {
            sig = new double[ts.length];
            for (int i = 0; i < ts.length; i++) sig[i] = NumpyMath.interp(ts[i], trainSigmas);
        }
        double last = cfg.finalSigmasType() == FinalSigmasType.SIGMA_MIN ? trainSigmas[0] : 0.0;
        return new Schedule(kind, cfg, n, 0.0, ts, withLast(sig, last), 1.0, ac);
    }

    /** {@code np.concatenate([sigmas, [last]]).astype(np.float32)}. */
    private static double[] withLast(double[] sig, double last) {
        double[] out = new double[sig.length + 1];
        for (int i = 0; i < sig.length; i++) out[i] = (float) sig[i];
        out[sig.length] = (float) last;
        return out;
    }

    /** {@code np.log} of a float32 array (a float32 result). */
    private static float[] logf(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) Math.log(x[i]);
        return y;
    }
}
