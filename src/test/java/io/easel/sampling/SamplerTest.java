package io.easel.sampling;

import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.easel.tensor.T.s;
import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {
    private static final SchedulerConfig SD = SchedulerConfig.SD15;

    @Test
    void denoiserAndListenerSeeEveryStepWithItsPosition() {
        Schedule plan = Schedule.plan(SamplerKind.EULER, SD, 10);
        List<String> calls = new ArrayList<>();
        Denoiser d = new Denoiser() {
            @Override public Tensor apply(Tensor xIn, double t) { throw new AssertionError("the sampler calls the 4-argument form"); }
            @Override public Tensor apply(Tensor xIn, double t, int i, int n) {
                calls.add("d " + (int) t + " " + i + "/" + n);
                return xIn.mul(s(0.1));
            }
        };
        Tensor x = new Rng(1).randn(1, 4, 2, 2);
        Sampler.sample(plan, x, d, new Rng(2), 4, (i, n, xi) -> calls.add("l " + i + "/" + n));
        // img2img from step 4: positions count over the 6 steps run, as diffusers' ControlNet pipelines do
        assertEquals(List.of("d 555 0/6", "l 0/6", "d 444 1/6", "l 1/6", "d 333 2/6", "l 2/6",
                "d 222 3/6", "l 3/6", "d 111 4/6", "l 4/6", "d 0 5/6", "l 5/6"), calls);
    }

    @Test
    void twoArgumentDenoiserIsEnough() {
        Tensor x = new Rng(1).randn(1, 4, 2, 2);
        Tensor out = Sampler.sample(Schedule.plan(SamplerKind.DDIM, SD, 3), x, StandInCase.model(), new Rng(2));
        assertArrayEquals(T.shape(x), T.shape(out));
    }

    @Test
    void noStepsLeftReturnsTheInput() {
        Tensor x = new Rng(1).randn(1, 4, 2, 2);
        Schedule plan = Schedule.plan(SamplerKind.DDIM, SD, 5);
        assertSame(x, Sampler.sample(plan, x, (xi, t) -> { throw new AssertionError(); }, new Rng(2), 5, StepListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(plan, x, StandInCase.model(), new Rng(2), 6, StepListener.NONE));
    }

    @Test
    void deterministicSamplersResumeExactly() {
        // Euler and DDIM (eta 0) keep no state between steps: resuming from step k's latents ends where the full run ends
        for (SamplerKind kind : new SamplerKind[]{SamplerKind.DDIM, SamplerKind.EULER}) {
            Schedule plan = Schedule.plan(kind, SD, 8);
            Tensor x = new Rng(3).randn(1, 4, 4, 4).mul(s((float) plan.initNoiseSigma()));
            List<Tensor> seen = new ArrayList<>();
            Tensor full = Sampler.sample(plan, x, StandInCase.model(), new Rng(4), 0, (i, n, xi) -> seen.add(xi.clone()));
            Tensor resumed = Sampler.sample(plan, seen.get(2), StandInCase.model(), new Rng(4), 3, StepListener.NONE);
            assertArrayEquals(T.toFloats(full), T.toFloats(resumed), kind.toString());
        }
    }

    @Test
    void onlyStochasticSamplersDrawFromTheGenerator() {
        Tensor x = new Rng(1).randn(1, 4, 2, 2);
        float[] fresh = T.toFloats(new Rng(9).randn(3));
        for (SamplerKind kind : SamplerKind.values()) {
            Rng rng = new Rng(9);
            Sampler.sample(Schedule.plan(kind, SD, 4), x, StandInCase.model(), rng);
            boolean untouched = java.util.Arrays.equals(fresh, T.toFloats(rng.randn(3)));
            assertEquals(kind != SamplerKind.EULER_A, untouched, kind.toString());
        }
        Rng rng = new Rng(9);
        Sampler.sample(Schedule.plan(SamplerKind.DDIM, SD, 4, 0.5), x, StandInCase.model(), rng);
        assertFalse(java.util.Arrays.equals(fresh, T.toFloats(rng.randn(3))), "ddim with eta > 0 draws noise");
    }

    @Test
    void resultOutlivesTheStepScopesAndInputIsKept() {
        Tensor x = new Rng(1).randn(1, 4, 8, 8);
        float[] before = T.toFloats(x);
        float[] inside;
        try (PointerScope outer = new PointerScope()) {
            Tensor out = Sampler.sample(Schedule.plan(SamplerKind.DPMPP_2M, SD, 6), x, StandInCase.model(), new Rng(2));
            System.gc();
            inside = T.toFloats(out);
        }
        Tensor again = Sampler.sample(Schedule.plan(SamplerKind.DPMPP_2M, SD, 6), x, StandInCase.model(), new Rng(2));
        assertArrayEquals(inside, T.toFloats(again));
        assertArrayEquals(before, T.toFloats(x));
    }

    @Test
    void refusesAMisshapenModelOutput() {
        Tensor x = new Rng(1).randn(1, 4, 2, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Sampler.sample(Schedule.plan(SamplerKind.EULER, SD, 3), x, (xi, t) -> xi.sum(), new Rng(2)));
        assertTrue(e.getMessage().contains("[1, 4, 2, 2]"), e.getMessage());
    }

    @Test
    void ddimClipSampleClampsPredictedX0() {
        // one step with set_alpha_to_one: the result is the (clamped) x0 prediction itself
        SchedulerConfig clip = new SchedulerConfig(1000, 0.00085, 0.012, SchedulerConfig.BetaSchedule.SCALED_LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 1, true, true, 0.25, false, SchedulerConfig.FinalSigmasType.ZERO, true, false);
        Tensor x = new Rng(1).randn(1, 4, 4, 4).mul(s(3));
        Tensor out = Sampler.sample(Schedule.plan(SamplerKind.DDIM, clip, 1), x, StandInCase.model(), new Rng(2));
        assertEquals(0.25, T.maxAbs(out), 1e-7);
        SchedulerConfig noClip = new SchedulerConfig(1000, 0.00085, 0.012, SchedulerConfig.BetaSchedule.SCALED_LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 1, true, false, 0.25, false, SchedulerConfig.FinalSigmasType.ZERO, true, false);
        Tensor unclipped = Sampler.sample(Schedule.plan(SamplerKind.DDIM, noClip, 1), x, StandInCase.model(), new Rng(2));
        assertTrue(T.maxAbs(unclipped) > 1, "without clipping x0 keeps its range");
    }

    @Test
    void standInCaseReturnsEveryStep() {
        StandInCase.Result r = StandInCase.run(SamplerKind.EULER_A, SD, 5, 0, 3);
        assertEquals(List.of("x_init", "x0", "x1", "x2", "x3", "x4"), new ArrayList<>(r.tensors().keySet()));
        assertEquals(5, r.schedule().length());
    }
}
