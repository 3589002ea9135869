package io.easel.train;

import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** AdamW against values worked out by hand, gradient clipping, and the optimizer state round trip. */
class AdamWTest {
    /** Two one-element parameters; the loss a*p + b*q*q gives gradients a and 2*b*q. */
    private static final class Problem {
        final TrainableParams params;

        Problem(float p0, float q0) {
            Map<String, Param> m = new LinkedHashMap<>();
            m.put("p", TestParams.of(T.fromFloats(new float[]{p0}, 1)));
            m.put("q", TestParams.of(T.fromFloats(new float[]{q0}, 1)));
            params = TrainableParams.prepare(m);
        }

        void backward(double a, double b) {
            Tensor p = params.tensor("p"), q = params.tensor("q");
            p.mul(T.s(a)).add(q.mul(q).mul(T.s(b))).sum().backward();
        }

        double p() { return T.toFloats(params.tensor("p"))[0]; }
        double q() { return T.toFloats(params.tensor("q"))[0]; }
    }

    @Test
    void twoStepsMatchHandComputedValues() {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        Problem pr = new Problem(1.0f, -2.0f);
        try (AdamW opt = new AdamW(new AdamWConfig(lr, b1, b2, eps, wd), pr.params)) {
            // by hand, in double: step 1, gradients gp = 3, gq = 2*0.5*q = -2
            double p = 1.0, q = -2.0;
            double gp = 3, gq = -2;
            double mp = (1 - b1) * gp, vp = (1 - b2) * gp * gp, mq = (1 - b1) * gq, vq = (1 - b2) * gq * gq;
            p = p * (1 - lr * wd) - lr * (mp / (1 - b1)) / (Math.sqrt(vp / (1 - b2)) + eps);
            q = q * (1 - lr * wd) - lr * (mq / (1 - b1)) / (Math.sqrt(vq / (1 - b2)) + eps);
            pr.backward(3, 0.5);
            opt.step(lr);
            pr.params.zeroGrad();
            assertEquals(p, pr.p(), 1e-6);
            assertEquals(q, pr.q(), 1e-6);
            assertEquals(1.0 * (1 - lr * wd) - lr, p, 1e-7, "first Adam step is lr * sign(g)");
            // step 2 at half the learning rate: gp = 3, gq = 2*0.5*q
            double lr2 = 0.05;
            gq = q;
            mp = b1 * mp + (1 - b1) * gp; vp = b2 * vp + (1 - b2) * gp * gp;
            mq = b1 * mq + (1 - b1) * gq; vq = b2 * vq + (1 - b2) * gq * gq;
            double bc1 = 1 - b1 * b1, bc2 = 1 - b2 * b2;
            p = p * (1 - lr2 * wd) - (lr2 / bc1) * mp / (Math.sqrt(vp) / Math.sqrt(bc2) + eps);
            q = q * (1 - lr2 * wd) - (lr2 / bc1) * mq / (Math.sqrt(vq) / Math.sqrt(bc2) + eps);
            pr.backward(3, 0.5);
            opt.step(lr2);
            assertEquals(p, pr.p(), 1e-6);
            assertEquals(q, pr.q(), 1e-6);
            assertEquals(mq, T.toFloats(opt.expAvg("q"))[0], 1e-6);
            assertEquals(vq, T.toFloats(opt.expAvgSq("q"))[0], 1e-7);
            assertEquals(2, opt.stepCount("p"));
        }
    }

    @Test
    void parameterWithoutGradientIsSkipped() {
        Problem pr = new Problem(1.0f, -2.0f);
        try (AdamW opt = new AdamW(new AdamWConfig(0.1, 0.9, 0.999, 1e-8, 0.5), pr.params)) {
            pr.params.tensor("p").mul(T.s(2)).sum().backward(); // q gets no gradient
            opt.step(0.1);
            assertEquals(-2.0, pr.q(), 0.0, "no weight decay either, as PyTorch");
            assertEquals(0, opt.stepCount("q"));
            assertNull(opt.expAvg("q"));
            assertEquals(1, opt.stepCount("p"));
        }
    }

    @Test
    void stateRoundTripsAndIsValidated() {
        Problem a = new Problem(1.0f, -2.0f), b = new Problem(1.0f, -2.0f);
        AdamWConfig cfg = new AdamWConfig(0.01, 0.9, 0.999, 1e-8, 0.01);
        try (AdamW oa = new AdamW(cfg, a.params); AdamW ob = new AdamW(cfg, b.params)) {
            for (int i = 0; i < 2; i++) { a.backward(1, 1); oa.step(0.01); a.params.zeroGrad(); }
            Map<String, Tensor> state = new LinkedHashMap<>();
            oa.state().forEach((k, v) -> state.put(k, v.clone()));
            ob.loadState(state, "test");
            torch.ScalarType f = torch.ScalarType.Float;
            b.params.tensor("p").detach().copy_(a.params.tensor("p").detach());
            b.params.tensor("q").detach().copy_(a.params.tensor("q").detach());
            for (Problem pr : List.of(a, b)) pr.backward(1, 1);
            oa.step(0.01);
            ob.step(0.01);
            assertEquals(a.p(), b.p(), 0.0);
            assertEquals(a.q(), b.q(), 0.0);
            assertEquals(3, ob.stepCount("q"));
            Map<String, Tensor> bad = new LinkedHashMap<>(state);
            bad.put("exp_avg/r", T.fromFloats(new float[]{0}, 1));
            var e = assertThrows(IllegalArgumentException.class, () -> ob.loadState(bad, "opt.safetensors"));
            assertTrue(e.getMessage().contains("'exp_avg/r'"), e.getMessage());
            Map<String, Tensor> shape = new LinkedHashMap<>(state);
            shape.put("exp_avg/p", T.fromFloats(new float[]{0, 0}, 2));
            var e2 = assertThrows(IllegalArgumentException.class, () -> ob.loadState(shape, "opt.safetensors"));
            assertTrue(e2.getMessage().contains("shape"), e2.getMessage());
            assertNotNull(f);
        }
    }

    @Test
    void clipScalesByMaxNormOverNormPlusEpsilonAndReportsThePreClipNorm() {
        Map<String, Param> m = new LinkedHashMap<>();
        m.put("a", TestParams.of(T.fromFloats(new float[]{0, 0}, 2)));
        m.put("b", TestParams.of(T.fromFloats(new float[]{0}, 1)));
        TrainableParams ps = TrainableParams.prepare(m);
        // gradients (3, 4) and (12): total norm 13
        ps.tensor("a").mul(T.fromFloats(new float[]{3, 4}, 2)).sum().add(ps.tensor("b").mul(T.s(12)).sum()).backward();
        assertEquals(13.0, GradClip.totalNorm(ps.tensors()), 1e-6);
        double norm = GradClip.clip(ps.tensors(), 6.5);
        assertEquals(13.0, norm, 1e-6);
        float scale = (float) (6.5 / (13.0 + 1e-6));
        assertArrayEquals(new float[]{3 * scale, 4 * scale}, T.toFloats(ps.tensor("a").grad()), 1e-6f);
        assertArrayEquals(new float[]{12 * scale}, T.toFloats(ps.tensor("b").grad()), 1e-6f);
        // below the limit nothing changes, bit for bit
        float[] before = T.toFloats(ps.tensor("a").grad());
        assertEquals(6.5, GradClip.clip(ps.tensors(), 100), 1e-5);
        assertArrayEquals(before, T.toFloats(ps.tensor("a").grad()), 0f);
        ps.zeroGrad();
        assertFalse(ps.tensor("a").grad().defined());
        assertEquals(0.0, GradClip.clip(ps.tensors(), 1.0));
    }

    @Test
    void trainableParamsAreFloat32Copies() {
        Tensor shared = T.fromFloats(new float[]{1, 2}, 2);
        Tensor alias = shared.view(2); // e.g. a memory-mapped file view other code still holds
        Map<String, Param> m = Map.of("w", TestParams.of(shared));
        TrainableParams ps = TrainableParams.prepare(m);
        ps.tensor("w").detach().add_(T.s(1));
        assertArrayEquals(new float[]{1, 2}, T.toFloats(alias), 0f, "the loaded tensor is not trained in place");
        assertTrue(ps.tensor("w").requires_grad());
        var e = assertThrows(IllegalArgumentException.class,
                () -> TrainableParams.prepare(Map.of("h", TestParams.of(T.fromFloats(new float[]{1}, 1).to(torch.ScalarType.Half)))));
        assertTrue(e.getMessage().contains("'h'") && e.getMessage().contains("float32"), e.getMessage());
    }
}
