package io.easel.sampling;

import io.easel.sampling.SchedulerConfig.FinalSigmasType;
import io.easel.sampling.SchedulerConfig.TimestepSpacing;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Timesteps and sigmas against values computed with numpy as diffusers' set_timesteps does. */
class ScheduleTest {
    private static final SchedulerConfig SD = SchedulerConfig.SD15;

    private static SchedulerConfig spacing(TimestepSpacing s) { return SD.withTimestepSpacing(s); }

    @Test
    void ddimSpacings() {
        assertArrayEquals(new double[]{901, 801, 701, 601, 501, 401, 301, 201, 101, 1}, Schedule.plan(SamplerKind.DDIM, SD, 10).timesteps());
        assertArrayEquals(new double[]{999, 856, 713, 570, 428, 285, 142},
                Schedule.plan(SamplerKind.DDIM, spacing(TimestepSpacing.TRAILING), 7).timesteps());
        // np.round is half-to-even: 832.5 -> 832, 166.5 -> 166
        assertArrayEquals(new double[]{999, 832, 666, 500, 333, 166, 0},
                Schedule.plan(SamplerKind.DDIM, spacing(TimestepSpacing.LINSPACE), 7).timesteps());
        Schedule d = Schedule.plan(SamplerKind.DDIM, SD, 10);
        assertEquals(0, d.sigmas().length);
        assertEquals(1.0, d.initNoiseSigma());
    }

    @Test
    void zeroTerminalSnrRescalesTheBetas() {
        SchedulerConfig z = SD.withZeroTerminalSnr();
        float[] ac = Schedule.trainingAlphasCumprod(z);
        // diffusers' rescale_zero_terminal_snr evaluated in float64 with numpy; float32 here
        assertEquals(0.0f, ac[999]);
        assertEquals(0.99915, ac[0], 1e-6);
        assertEquals(0.9982334461401825, ac[1], 1e-6);
        assertEquals(0.24235916655614523, ac[499], 1e-5);
        assertEquals(0.0029603934209004134, ac[900], 1e-6);
        assertEquals(1.967888056621292e-07, ac[998], 1e-9);
        assertEquals(0.004660098513077238, Schedule.trainingAlphasCumprod(SD)[999], 1e-8, "the plain schedule is unchanged");
        // Euler and DPM++ set alphas_cumprod[-1] = 2**-24: the first sigma is sqrt((1 - 2^-24) / 2^-24) = 4096
        for (SamplerKind k : new SamplerKind[]{SamplerKind.EULER, SamplerKind.EULER_A, SamplerKind.DPMPP_2M}) {
            Schedule p = Schedule.plan(k, z, 10);
            assertEquals(999, p.timesteps()[0], k.toString());
            assertEquals(4096.0, p.sigmas()[0], 1e-3, k.toString());
            assertEquals(0x1p-24f, p.alphasCumprod()[999], k.toString());
        }
        assertEquals(4096.0, Schedule.plan(SamplerKind.EULER, z, 10).initNoiseSigma(), 1e-3);
        // DDIM keeps the exact zero: with v-prediction x0 = -v there and the noise estimate is the input
        Schedule d = Schedule.plan(SamplerKind.DDIM, z, 10);
        assertArrayEquals(new double[]{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, d.timesteps());
        assertEquals(0f, d.alphasCumprod()[999]);
        Tensor x = T.fromFloats(new float[]{0.5f, -1f}, 2), v = T.fromFloats(new float[]{0.25f, 2f}, 2);
        float aPrev = ac[899];
        float[] got = T.toFloats(new DdimStepper(d).step(v, 0, x, null));
        for (int i = 0; i < 2; i++) {
            float xi = i == 0 ? 0.5f : -1f, vi = i == 0 ? 0.25f : 2f;
            assertEquals(-vi * Math.sqrt(aPrev) + xi * Math.sqrt(1 - aPrev), got[i], 1e-6);
        }
    }

    @Test
    void trailingDropsNumpysExtraTimestep() {
        // np.arange(1000, 0, -1000/61) has 62 values; the 62nd would be timestep -1
        double[] t = Schedule.plan(SamplerKind.DDIM, spacing(TimestepSpacing.TRAILING), 61).timesteps();
        assertEquals(61, t.length);
        assertEquals(999, t[0]);
        assertEquals(983, t[1]);
        assertTrue(t[60] >= 0);
    }

    @Test
    void eulerLinspaceIsFractionalAndLeadingScalesInitNoise() {
        Schedule e = Schedule.plan(SamplerKind.EULER, SD, 25);
        assertArrayEquals(new double[]{999.0, 957.375, 915.75, 874.125, 832.5}, java.util.Arrays.copyOf(e.timesteps(), 5));
        assertEquals(26, e.sigmas().length);
        assertEquals(0.0, e.sigmas()[25]);
        assertEquals(e.sigmas()[0], e.initNoiseSigma());
        Schedule lead = Schedule.plan(SamplerKind.EULER, spacing(TimestepSpacing.LEADING), 10);
        assertEquals(901, lead.timesteps()[0]);
        float max = (float) lead.sigmas()[0];
        assertEquals((float) Math.sqrt(max * max + 1f), lead.initNoiseSigma(), 0.0);
    }

    @Test
    void finalSigmaTypes() {
        Schedule min = Schedule.plan(SamplerKind.EULER, new SchedulerConfig(1000, 0.00085, 0.012, SchedulerConfig.BetaSchedule.SCALED_LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 1, false, false, 1, false, FinalSigmasType.SIGMA_MIN, true, false), 10);
        assertEquals(0.029167532920837402, min.sigmas()[10], 1e-9);  // sigma at t = 0
        assertEquals(0.0, Schedule.plan(SamplerKind.EULER_A, SD, 10).sigmas()[10]);
    }

    @Test
    void dpmSpacingsAndKarras() {
        assertArrayEquals(new double[]{999, 899, 799, 699, 599, 500, 400, 300, 200, 100}, Schedule.plan(SamplerKind.DPMPP_2M, SD, 10).timesteps());
        assertArrayEquals(new double[]{901, 811, 721, 631, 541, 451, 361, 271, 181, 91},
                Schedule.plan(SamplerKind.DPMPP_2M, spacing(TimestepSpacing.LEADING), 10).timesteps());
        assertArrayEquals(new double[]{999, 899, 799, 699, 599, 499, 399, 299, 199, 99},
                Schedule.plan(SamplerKind.DPMPP_2M, spacing(TimestepSpacing.TRAILING), 10).timesteps());
        Schedule k = Schedule.plan(SamplerKind.DPMPP_2M_KARRAS, SD, 10);
        assertEquals(14.614646911621094, k.sigmas()[0], 1e-9);
        assertEquals(0.029167532920837402, k.sigmas()[9], 1e-9);
        assertEquals(0.0, k.timesteps()[9]);
        assertEquals(1.0, k.initNoiseSigma());
        // use_karras_sigmas in the config makes plain dpmpp_2m Karras too, as in diffusers
        SchedulerConfig karrasCfg = new SchedulerConfig(1000, 0.00085, 0.012, SchedulerConfig.BetaSchedule.SCALED_LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 1, false, false, 1, true, FinalSigmasType.ZERO, true, false);
        assertArrayEquals(k.sigmas(), Schedule.plan(SamplerKind.DPMPP_2M, karrasCfg, 10).sigmas());
        // Euler with Karras sigmas keeps fractional timesteps
        Schedule ek = Schedule.plan(SamplerKind.EULER, karrasCfg, 10);
        assertEquals(k.sigmas()[5], ek.sigmas()[5], 1e-6);
        assertNotEquals(Math.rint(ek.timesteps()[5]), ek.timesteps()[5]);
    }

    @Test
    void otherBetaSchedulesPlan() {
        SchedulerConfig lin = new SchedulerConfig(1000, 0.0001, 0.02, SchedulerConfig.BetaSchedule.LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 0, true, true, 1, false, FinalSigmasType.ZERO, true, false);
        float[] ac = Schedule.plan(SamplerKind.DDIM, lin, 10).alphasCumprod();
        assertEquals(1 - 0.0001, ac[0], 1e-7);
        assertEquals((1 - 0.0001) * (1 - 0.0001 - 0.0199 / 999), ac[1], 1e-7);
        SchedulerConfig cos = new SchedulerConfig(1000, 0.0001, 0.02, SchedulerConfig.BetaSchedule.SQUAREDCOS_CAP_V2,
                SchedulerConfig.PredictionType.EPSILON, null, 0, true, true, 1, false, FinalSigmasType.ZERO, true, false);
        Schedule k = Schedule.plan(SamplerKind.DPMPP_2M_KARRAS, cos, 10);
        for (int i = 1; i < 10; i++) assertTrue(k.sigmas()[i] < k.sigmas()[i - 1]);
    }

    @Test
    void refusesUnsupportedCombinations() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.plan(SamplerKind.EULER, SD, 10, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Schedule.plan(SamplerKind.DDIM, SD, 0));
        assertThrows(IllegalArgumentException.class, () -> Schedule.plan(SamplerKind.DDIM, SD, 1001));
        assertThrows(IllegalArgumentException.class, () -> Schedule.plan(SamplerKind.DDIM, SD, 10, -1));
        SchedulerConfig karras = new SchedulerConfig(1000, 0.00085, 0.012, SchedulerConfig.BetaSchedule.SCALED_LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 1, false, false, 1, true, FinalSigmasType.ZERO, true, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.plan(SamplerKind.EULER_A, karras, 10)).getMessage().contains("use_karras_sigmas"));
        SchedulerConfig bigOffset = new SchedulerConfig(1000, 0.00085, 0.012, SchedulerConfig.BetaSchedule.SCALED_LINEAR,
                SchedulerConfig.PredictionType.EPSILON, null, 200, false, false, 1, false, FinalSigmasType.ZERO, true, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.plan(SamplerKind.DDIM, bigOffset, 10)).getMessage().contains("steps_offset"));
    }

    @Test
    void img2imgStartIndexAsDiffusers() {
        Schedule p = Schedule.plan(SamplerKind.DDIM, SD, 10);
        assertEquals(4, p.startIndex(0.6));
        assertEquals(0, p.startIndex(1.0));
        assertEquals(10, p.startIndex(0.0));
        assertEquals(7, Schedule.plan(SamplerKind.EULER, SD, 7).startIndex(0.1));  // int(0.7) = 0
        assertThrows(IllegalArgumentException.class, () -> p.startIndex(1.5));
    }

    @Test
    void addNoisePerScheduler() {
        Tensor x0 = T.fromFloats(new float[]{1, -2, 0.5f, 3}, 1, 1, 2, 2);
        Tensor noise = T.fromFloats(new float[]{0.25f, 1, -1, 2}, 1, 1, 2, 2);
        float[] xs = T.toFloats(x0), ns = T.toFloats(noise);

        Schedule ddim = Schedule.plan(SamplerKind.DDIM, SD, 10);
        float a = ddim.alphasCumprod()[(int) ddim.timesteps()[4]];
        float[] got = T.toFloats(ddim.addNoise(x0, noise, 4));
        for (int i = 0; i < 4; i++) assertEquals((float) Math.sqrt(a) * xs[i] + (float) Math.sqrt(1 - a) * ns[i], got[i], 1e-6);

        Schedule euler = Schedule.plan(SamplerKind.EULER, SD, 10);
        float sigma = (float) euler.sigmas()[4];
        got = T.toFloats(euler.addNoise(x0, noise, 4));
        for (int i = 0; i < 4; i++) assertEquals(xs[i] + sigma * ns[i], got[i], 1e-6);

        Schedule dpm = Schedule.plan(SamplerKind.DPMPP_2M, SD, 10);
        float s = (float) dpm.sigmas()[4], alpha = 1f / (float) Math.sqrt(s * s + 1);
        got = T.toFloats(dpm.addNoise(x0, noise, 4));
        for (int i = 0; i < 4; i++) assertEquals(alpha * xs[i] + s * alpha * ns[i], got[i], 1e-6);

        assertThrows(IllegalArgumentException.class, () -> ddim.addNoise(x0, noise, 10));
    }

    @Test
    void accessorsReturnCopies() {
        Schedule p = Schedule.plan(SamplerKind.EULER, SD, 10);
        p.timesteps()[0] = -5;
        p.sigmas()[0] = -5;
        assertEquals(999, p.timesteps()[0]);
        assertTrue(p.sigmas()[0] > 0);
    }
}
