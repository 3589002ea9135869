package io.easel.train;

import io.easel.models.unet.UNet2DConditionModel;
import io.easel.tensor.T;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Parameter selection, learning-rate schedules, data order, log, curve and progress line. */
class TrainPiecesTest {
    @TempDir Path tmp;

    @Test
    void selectorGlobsRegexesAndExclusions() {
        ParamSelector s = ParamSelector.of("down_blocks.*.attn2.*", "re:mid_block\\.resnets\\.[01]\\.conv1\\..*").excluding("*.bias");
        assertTrue(s.matches("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
        assertFalse(s.matches("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_out.0.bias"));
        assertFalse(s.matches("up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
        assertTrue(s.matches("mid_block.resnets.1.conv1.weight"));
        assertFalse(s.matches("mid_block.resnets.1.conv2.weight"));
        assertTrue(ParamSelector.of("conv_in.weight").matches("conv_in.weight"));
        assertFalse(ParamSelector.of("conv_in.weight").matches("conv_inXweight"), "a dot is literal in a glob");
        assertTrue(ParamSelector.ALL.matches("anything.at.all"));
        assertFalse(ParamSelector.NONE.matches("x"));
        var u = Tiny.unet(1);
        assertEquals(2, ParamSelector.of("conv_in.*").select(u).size());
        var e = assertThrows(IllegalArgumentException.class, () -> ParamSelector.of("conv_inn.*").select(u));
        assertTrue(e.getMessage().contains("'conv_inn.*'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ParamSelector.of("re:(unclosed"));
    }

    @Test
    void minSnrWeightsEachExampleByMinSnrGammaOverSnr() {
        UNet2DConditionModel unet = Tiny.unet(3);
        Tiny.Batch b = Tiny.data(3).batch(new int[]{0, 1, 2});
        Tensor noise = torch.randn(new long[]{3, 4, 8, 8}, new GeneratorOptional(torch.createCPUGenerator(5)), T.opts(torch.ScalarType.Float));
        long[] ts = {10, 400, 990};   // nearly clean (SNR ~ 400), middle (~0.6), nearly pure noise (~0.0001)
        Tensor t = T.fromLongs(ts, 3);
        float[] acp = io.easel.sampling.Schedule.trainingAlphasCumprod(Tiny.NOISE);
        try (NoGradGuard g = new NoGradGuard()) {
            DiffusionStep plain = new DiffusionStep(unet, Tiny.NOISE), snr = new DiffusionStep(unet, Tiny.NOISE, Tiny.NOISE.predictionType(), 5);
            DiffusionStep.Output p = plain.compute(b.latents(), b.ctx(), noise, t, null);
            DiffusionStep.Output q = snr.compute(b.latents(), b.ctx(), noise, t, null);
            float[] pred = T.toFloats(p.pred()), target = T.toFloats(p.target());
            double all = 0, weighted = 0;
            int per = pred.length / 3;
            for (int i = 0; i < 3; i++) {
                double mse = 0;
                for (int k = i * per; k < (i + 1) * per; k++) mse += (pred[k] - target[k]) * (double) (pred[k] - target[k]);
                mse /= per;
                double ratio = acp[(int) ts[i]] / (1.0 - acp[(int) ts[i]]);
                double w = Math.min(ratio, 5) / ratio;
                assertEquals(i == 0 ? 5 / ratio : 1.0, w, 1e-12, "only the nearly clean timestep is weighted down");
                all += mse;
                weighted += w * mse;
            }
            assertEquals(all / 3, p.loss().item().toDouble(), 1e-6 * all);
            assertEquals(weighted / 3, q.loss().item().toDouble(), 1e-6 * all);
            assertTrue(q.loss().item().toDouble() < p.loss().item().toDouble());
        }
        assertThrows(IllegalArgumentException.class, () -> new DiffusionStep(unet, Tiny.NOISE, Tiny.NOISE.predictionType(), -1));
    }

    @Test
    void warmupThenConstantOrCosine() {
        LrSchedule w = LrSchedule.warmup(4);
        assertArrayEquals(new double[]{0, 0.25, 0.5, 0.75, 1, 1}, new double[]{w.factor(0), w.factor(1), w.factor(2), w.factor(3), w.factor(4), w.factor(100)});
        LrSchedule c = new LrSchedule(LrSchedule.Shape.COSINE, 2, 12);
        assertEquals(0.5, c.factor(1));
        assertEquals(1.0, c.factor(2), 1e-12);
        assertEquals(0.5, c.factor(7), 1e-12);
        assertEquals(0.0, c.factor(12), 1e-12);
        assertEquals(1.0, LrSchedule.CONSTANT.factor(0));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(LrSchedule.Shape.COSINE, 5, 5));
        assertEquals(LrSchedule.Shape.CONSTANT, LrSchedule.Shape.parse("constant_with_warmup"));
    }

    @Test
    void dataOrderIsAPermutationPerEpochAndDeterministic() {
        DataOrder o = new DataOrder(3, 7, true), same = new DataOrder(3, 7, true), other = new DataOrder(4, 7, true);
        for (int e = 0; e < 3; e++) {
            int[] p = o.epoch(e);
            int[] sorted = p.clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6}, sorted);
            assertArrayEquals(p, same.epoch(e));
        }
        assertFalse(Arrays.equals(o.epoch(0), o.epoch(1)));
        assertFalse(Arrays.equals(o.epoch(0), other.epoch(0)));
        // batches of 3 over the stream: the third spans epochs 0 and 1
        int[] e0 = o.epoch(0), e1 = o.epoch(1);
        assertArrayEquals(new int[]{e0[6], e1[0], e1[1]}, o.take(6, 3));
        assertArrayEquals(new int[]{0, 1, 2, 3}, new DataOrder(3, 7, false).take(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new DataOrder(1, 0, true));
    }

    @Test
    void logTrimsOnResumeAndCurveIsDrawn() throws Exception {
        Path f = tmp.resolve("train_log.jsonl");
        try (TrainingLog log = TrainingLog.open(f, 0)) {
            for (int i = 1; i <= 5; i++) log.append(new StepRecord(i, 1.0 / i, 1e-4, 0.5, 2.0, i * 0.5));
        }
        Files.writeString(f, Files.readString(f) + "{\"step\":6,\"lo", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertEquals(5, TrainingLog.read(f).size(), "a torn last line is ignored");
        try (TrainingLog log = TrainingLog.open(f, 3)) {
            assertEquals(3, log.records().size());
            log.append(new StepRecord(4, 0.3, 1e-4, 0.5, 2.0, 2.0));
        }
        List<StepRecord> r = TrainingLog.read(f);
        assertEquals(List.of(1L, 2L, 3L, 4L), r.stream().map(StepRecord::step).toList());
        assertEquals(0.3, r.get(3).loss());
        var o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllLines(f).get(0));
        for (String k : List.of("step", "loss", "lr", "grad_norm", "steps_per_s", "time")) assertTrue(o.has(k), k);
        List<StepRecord> many = new ArrayList<>();
        for (int i = 1; i <= 200; i++) many.add(new StepRecord(i, 1 + Math.exp(-i / 50.0) + 0.05 * Math.sin(i), 1e-4, 1, 1, i));
        Path png = tmp.resolve("loss.png");
        LossCurve.write(png, many, "test loss");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        int dark = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xff) > 120 && ((img.getRGB(x, y) >> 16) & 0xff) < 60) dark++;
        assertTrue(dark > 300, "the curve is drawn (" + dark + " blue pixels)");
    }

    @Test
    void progressLine() {
        String l = ProgressBar.line(120, 1000, 0.12345, 1e-4, 2.5);
        assertTrue(l.startsWith("[###.........................."), l);
        assertTrue(l.contains("120/1000 loss 0.1235 lr 1.0e-04 2.50 steps/s ETA 5m52s"), l);
        assertEquals("1h01m", ProgressBar.duration(3700));
        assertNotNull(Map.of());
    }
}
