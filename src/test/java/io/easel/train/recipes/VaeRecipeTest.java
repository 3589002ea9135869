package io.easel.train.recipes;

import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.train.AdamWConfig;
import io.easel.train.LrSchedule;
import io.easel.train.StepRecord;
import io.easel.train.TrainingLog;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.PairDataset;
import io.easel.train.shapes.ConditionKind;
import io.easel.train.shapes.ShapesDataset;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VaeRecipeTest {
    @TempDir Path tmp;

    /** Two levels (2x down), 8 and 16 channels, 4 groups: 16x16 images -> [4,8,8] latents. */
    static final AutoencoderKLConfig TINY = new AutoencoderKLConfig(3, 3, 4, List.of(8, 16), 1, 4, 1.0, true, true, true);

    /** A shapes-world dataset of {@code count} scenes (+ {@code holdout}) at 48 px with canny conditions only. */
    static Path shapes(Path dir, int count, int holdout) {
        var o = ShapesDataset.Options.defaults().withConditions(List.of(ConditionKind.CANNY)).withHoldout(holdout).withThreads(1);
        o = o.withWorld(o.world().withSize(48));
        ShapesDataset.generate(dir, count, 3, o);
        return dir;
    }

    /** The tiny architecture as a diffusers config.json. */
    static Path tinyConfig(Path dir) throws Exception {
        Path p = dir.resolve("tiny-vae.json");
        Files.writeString(p, io.easel.models.ConfigJson.toText(TINY.toJson()));
        return p;
    }

    static RecipeRun run(Path out, long steps, int batch, double lr) {
        return new RecipeRun(out, 5, steps, batch, 1, AdamWConfig.DIFFUSERS.withLr(lr), LrSchedule.CONSTANT, 1.0, steps, 1, true, null, false);
    }

    @Test
    void lossDecreasesOnAHandfulOfImages() throws Exception {
        Path data = shapes(tmp.resolve("data"), 4, 2);
        Path out = tmp.resolve("run");
        VaeRecipe.Options o = new VaeRecipe.Options(data, null, tinyConfig(tmp), null, 16, VaeRecipe.DEFAULT_KL_WEIGHT, DType.FP32, 8, 8);
        VaeRecipe.Result r = VaeRecipe.run(o, run(out, 50, 4, 2e-3));
        assertEquals(50, r.steps());
        List<StepRecord> log = TrainingLog.read(out.resolve("checkpoints/train_log.jsonl"));
        assertEquals(50, log.size());
        double first = log.subList(0, 5).stream().mapToDouble(StepRecord::loss).average().orElseThrow();
        double last = log.subList(45, 50).stream().mapToDouble(StepRecord::loss).average().orElseThrow();
        assertTrue(last < 0.6 * first, "loss " + first + " -> " + last);
        // the metrics come from the held-out split of the dataset
        assertEquals("holdout", r.metrics().split());
        assertEquals(2, r.metrics().images());
        assertTrue(r.metrics().psnr() > 5 && r.metrics().psnr() < 60, "psnr " + r.metrics().psnr());
        assertTrue(r.metrics().mae() > 0 && r.metrics().mae() < 0.5, "mae " + r.metrics().mae());
        assertTrue(Files.isRegularFile(out.resolve("final/reconstructions.png")));
    }

    @Test
    void aFreshVaeStartsWithSmallPosteriorNoiseAndItsMeanUntouched() {
        try (PointerScope s = new PointerScope(); AutoencoderKL a = new AutoencoderKL(TINY); AutoencoderKL b = new AutoencoderKL(TINY)) {
            a.init(org.bytedeco.pytorch.global.torch.createCPUGenerator(3), io.easel.tensor.DType.FP32);
            b.init(org.bytedeco.pytorch.global.torch.createCPUGenerator(3), io.easel.tensor.DType.FP32);
            VaeRecipe.startWithSmallPosteriorNoise(b);
            Tensor x = org.bytedeco.pytorch.global.torch.rand(new long[]{2, 3, 16, 16}).mul(T.s(2)).sub(T.s(1));
            AutoencoderKL.Posterior pa = a.encode(x), pb = b.encode(x);
            assertEquals(0.0, pa.mean().sub(pb.mean()).abs().max().item().toDouble(), 0.0, "the mean half is not touched");
            double shift = pb.logvar().sub(pa.logvar()).mean().item().toDouble();
            assertEquals(VaeRecipe.INITIAL_LOGVAR - a.parameters().get("quant_conv.bias").get().narrow(0, 4, 4).mean().item().toDouble(), shift, 1e-5);
            assertTrue(pb.logvar().mean().item().toDouble() < -4, "posterior std starts well below 1");
        }
    }

    @Test
    void meanKlIsTheGaussianKlPerElement() {
        try (PointerScope s = new PointerScope()) {
            // mu = 1, logvar = 0: 0.5 * (1 + 1 - 1 - 0) = 0.5;  mu = 0, logvar = ln 2: 0.5 * (2 - 1 - ln 2)
            Tensor mu = T.fromFloats(new float[]{1, 0}, 1, 2, 1, 1);
            Tensor lv = T.fromFloats(new float[]{0, (float) Math.log(2)}, 1, 2, 1, 1);
            double kl = VaeRecipe.meanKl(new AutoencoderKL.Posterior(mu, lv)).item().toDouble();
            assertEquals((0.5 + 0.5 * (1 - Math.log(2))) / 2, kl, 1e-6);
        }
    }

    @Test
    void scalingFactorGivesUnitVarianceLatents() {
        Path data = shapes(tmp.resolve("data"), 12, 0);
        ImageBatches images = new ImageBatches(PairDataset.open(data), 16);
        AutoencoderKL vae = new AutoencoderKL(TINY);
        vae.init(torch.createCPUGenerator(1), DType.FP32);
        try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
            double sf = VaeRecipe.scalingFactor(vae, images, 12, 0);
            // other samples (another generator) of the same images, scaled, have std ~ 1
            Tensor x = images.batch(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}).images();
            Tensor z = vae.encode(x).sample(torch.createCPUGenerator(99)).mul(T.s(sf));
            double std = z.std().item().toDouble();
            assertEquals(1.0, std, 0.05, "std of scaled latents, factor " + sf);
            assertFalse(Math.abs(sf - 1.0) < 1e-3, "factor " + sf + " is no measurement");
        }
        vae.close();
    }

    @Test
    void refusesAConfigThatDoesNotFitBeforeTraining() throws Exception {
        Path data = shapes(tmp.resolve("data"), 2, 0);
        Path cfg = tmp.resolve("bad.json");
        Files.writeString(cfg, io.easel.models.ConfigJson.toText(new AutoencoderKLConfig(3, 3, 4, List.of(8, 12), 1, 8, 1.0, true, true, true).toJson()));
        Path out = tmp.resolve("run");
        var e = assertThrows(IllegalArgumentException.class, () -> VaeRecipe.run(
                new VaeRecipe.Options(data, null, cfg, null, 16, 1e-6, DType.FP32, 2, 2), run(out, 2, 2, 1e-3)));
        assertTrue(e.getMessage().contains("norm_num_groups 8"), e.getMessage());
        var r = assertThrows(IllegalArgumentException.class, () -> VaeRecipe.run(
                new VaeRecipe.Options(data, null, tinyConfig(tmp), null, 15, 1e-6, DType.FP32, 2, 2), run(out, 2, 2, 1e-3)));
        assertTrue(r.getMessage().contains("--resolution must be a multiple of 2"), r.getMessage());
        assertFalse(Files.exists(out.resolve("checkpoints")), "nothing written before the checks");
    }
}
