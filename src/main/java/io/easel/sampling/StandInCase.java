package io.easel.sampling;

import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.easel.tensor.T.s;

/**
 * The reference cases' scheduler procedure (golden {@code core/scheduler}, FORMAT-core.md): a
 * stand-in model {@code eps = 0.5 * x_in + 0.1 * sin(t / 100)} driven by a sampler from seeded
 * noise, recording the latents after every step. For tests and the conformance runner.
 */
public final class StandInCase {
    private StandInCase() {}

    /**
     * @param schedule the plan the run used (timesteps, sigmas, init noise sigma)
     * @param tensors  {@code x_init} then {@code x0 .. x{n-1}}, the latents after each step, in order
     */
    public record Result(Schedule schedule, Map<String, Tensor> tensors) {}

    /** The stand-in model; its output is read as epsilon or v per the config, like a real model's. */
    public static Denoiser model() {
        return (xIn, t) -> xIn.mul(s(0.5)).add(s(0.1 * Math.sin(t / 100)));
    }

    /**
     * Runs one case: a generator seeded with {@code noiseSeed}; {@code x = randn([1,4,8,8]) *
     * init_noise_sigma}; every step of the plan with the stand-in model.
     */
    public static Result run(SamplerKind kind, SchedulerConfig cfg, int steps, double eta, long noiseSeed) {
        Schedule plan = Schedule.plan(kind, cfg, steps, eta);
        Rng rng = new Rng(noiseSeed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor x = rng.randn(1, 4, 8, 8).mul(s((float) plan.initNoiseSigma()));
        out.put("x_init", x);
        Sampler.sample(plan, x, model(), rng, 0, (i, n, xi) -> out.put("x" + i, xi.clone()));
        return new Result(plan, out);
    }
}
