package io.easel.pipeline;

import io.easel.annotators.Image;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.unet.ControlResiduals;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlUnitTest {
    static final Path GOLDEN = Path.of(System.getProperty("easel.golden", "../shared/golden"));

    @Test
    void startAndEndGateTheStepsAsDiffusersDoes() {
        ControlUnit u = new ControlUnit(null, null, 1.0, 0.2, 0.8, ControlUnit.ControlMode.BALANCED);
        StringBuilder acting = new StringBuilder();
        for (int i = 0; i < 10; i++) acting.append(u.acts(i, 10) ? '1' : '0');
        assertEquals("0011111100", acting.toString());
        ControlUnit all = new ControlUnit(null, null, 1.0, 0, 1, null);
        for (int i = 0; i < 7; i++) assertTrue(all.acts(i, 7));
        assertThrows(IllegalArgumentException.class, () -> new ControlUnit(null, null, 2.5, 0, 1, null));
        assertThrows(IllegalArgumentException.class, () -> new ControlUnit(null, null, 1, 0.6, 0.5, null));
    }

    @Test
    void modesPlaceResidualsOnTheRightCfgHalf() {
        Assumptions.assumeTrue(Files.isDirectory(GOLDEN.resolve("models/tiny-controlnet-a")));
        try (NoGradGuard g = new NoGradGuard();
             ControlNetModel net = ControlNetFiles.load(GOLDEN.resolve("models/tiny-controlnet-a"), null, DType.FP32)) {
            torch.manual_seed(0);
            Tensor x = torch.randn(4, 4, 8, 8), t = torch.full(new long[]{4}, T.s(500), T.opts(torch.ScalarType.Float));
            Tensor ctx = torch.randn(4, 77, 32), cond = torch.rand(1, 3, 64, 64);
            ControlResiduals full = net.forward(x, t, ctx, cond, 0.7, ControlNetModel.SoftWeights.NONE);
            ControlResiduals bal = new ControlUnit(net, cond, 0.7, 0, 1, ControlUnit.ControlMode.BALANCED).residuals(x, t, ctx, true, 0, 1);
            assertEquals(0, T.maxAbs(bal.mid().sub(full.mid())));

            ControlResiduals cn = new ControlUnit(net, cond, 0.7, 0, 1, ControlUnit.ControlMode.CONTROLNET_MORE_IMPORTANT).residuals(x, t, ctx, true, 0, 1);
            ControlResiduals condHalf = net.forward(x.narrow(0, 2, 2), t.narrow(0, 2, 2), ctx.narrow(0, 2, 2), cond, 0.7, ControlNetModel.SoftWeights.ORIGINAL_0825);
            for (int i = 0; i < cn.down().size(); i++) {
                assertEquals(0, T.maxAbs(cn.down().get(i).narrow(0, 0, 2)), "unconditional half gets no control");
                assertEquals(0, T.maxAbs(cn.down().get(i).narrow(0, 2, 2).sub(condHalf.down().get(i))));
            }
            ControlResiduals prompt = new ControlUnit(net, cond, 0.7, 0, 1, ControlUnit.ControlMode.PROMPT_MORE_IMPORTANT).residuals(x, t, ctx, true, 0, 1);
            ControlResiduals soft = net.forward(x, t, ctx, cond, 0.7, ControlNetModel.SoftWeights.ORIGINAL_0825);
            assertEquals(0, T.maxAbs(prompt.down().get(0).sub(soft.down().get(0))), "soft weights on both halves");
            assertTrue(T.maxAbs(prompt.down().get(0)) < T.maxAbs(full.down().get(0)), "first skip is weakened");
            assertNull(new ControlUnit(net, cond, 0.7, 0.5, 1, null).residuals(x, t, ctx, true, 0, 10), "outside its range a unit adds nothing");
        }
    }

    @Test
    void resizeModesFitTheOutput() {
        Image img = Image.blank(40, 20, 3);
        for (int y = 0; y < 20; y++) for (int x = 0; x < 40; x++) img.set(x, y, 0, x < 20 ? 200 : 50);
        for (ControlUnit.ResizeMode m : ControlUnit.ResizeMode.values()) {
            Image f = m.fit(img, 32, 32);
            assertEquals(32, f.width());
            assertEquals(32, f.height());
        }
        Image fill = ControlUnit.ResizeMode.RESIZE_AND_FILL.fit(img, 32, 32);
        // 40x20 fits as 32x16, centred: rows 0..7 are the border's median red (the left/right halves: 200 and 50 -> median)
        float top = fill.get(16, 2, 0);
        assertTrue(top == 200 || top == 50, "filled with an edge colour, got " + top);
        Image crop = ControlUnit.ResizeMode.CROP_AND_RESIZE.fit(img, 32, 32);
        assertTrue(crop.get(2, 16, 0) > 150 && crop.get(29, 16, 0) < 100, "cover keeps both halves, cropped to the centre");
        assertFalse(ControlUnit.ControlMode.parse("guess") != ControlUnit.ControlMode.DIFFUSERS_GUESS);
        assertThrows(IllegalArgumentException.class, () -> ControlUnit.ResizeMode.parse("stretch"));
    }
}
