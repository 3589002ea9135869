package io.easel.train;

import io.easel.models.unet.UNet2DConditionModel;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Resume equals uninterrupted training bit for bit; same seed gives the same bytes; bad resumes fail before training. */
class TrainerResumeTest {
    @TempDir Path tmp;

    @Test
    void resumeContinuesBitForBit() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        UNet2DConditionModel ua = Tiny.unet(1);
        List<StepRecord> logA;
        try (Trainer<Tiny.Batch> t = Tiny.trainer(a, ua, Tiny.config(a).build())) {
            Trainer.Result r = t.run();
            assertEquals(6, r.steps());
            assertFalse(r.resumed());
            logA = TrainingLog.read(a.resolve("train_log.jsonl"));
            // interrupted run: 3 steps, then a new process-like start with a differently initialised model
            UNet2DConditionModel ub1 = Tiny.unet(1);
            try (Trainer<Tiny.Batch> t1 = Tiny.trainer(b, ub1, Tiny.config(b).build())) {
                assertEquals(3, t1.run(3).steps());
            }
            UNet2DConditionModel ub2 = Tiny.unet(99);
            try (Trainer<Tiny.Batch> t2 = Tiny.trainer(b, ub2, Tiny.config(b).build())) {
                Trainer.Result r2 = t2.run();
                assertTrue(r2.resumed());
                assertEquals(6, r2.steps());
                assertIdentical(t, t2);
                for (Map.Entry<String, Param> e : ua.parameters().entrySet())
                    assertTrue(torch.equal(e.getValue().get(), ub2.parameters().get(e.getKey()).get()), e.getKey());
            }
        }
        // the final checkpoints are the same bytes, and the logs read as one run
        for (String f : List.of("unet/diffusion_pytorch_model.safetensors", "optimizer.safetensors"))
            assertArrayEquals(Files.readAllBytes(a.resolve("checkpoint-6").resolve(f)), Files.readAllBytes(b.resolve("checkpoint-6").resolve(f)), f);
        List<StepRecord> logB = TrainingLog.read(b.resolve("train_log.jsonl"));
        assertEquals(6, logB.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1, logB.get(i).step());
            assertEquals(logA.get(i).loss(), logB.get(i).loss(), 0.0, "loss of step " + (i + 1));
            assertEquals(logA.get(i).gradNorm(), logB.get(i).gradNorm(), 0.0);
            assertEquals(logA.get(i).lr(), logB.get(i).lr(), 0.0);
        }
        assertEquals(0.0, logA.get(0).lr(), "warm-up starts at 0 as diffusers' LambdaLR does");
        assertTrue(Files.size(a.resolve("loss.png")) > 0);
        assertEquals(List.of(a.resolve("checkpoint-3"), a.resolve("checkpoint-6")), TrainCheckpoint.list(a));
    }

    static void assertIdentical(Trainer<?> x, Trainer<?> y) {
        assertEquals(x.params().names(), y.params().names());
        for (String n : x.params().names()) {
            assertTrue(torch.equal(x.params().tensor(n), y.params().tensor(n)), "parameter " + n);
            assertTrue(torch.equal(x.optimizer().expAvg(n), y.optimizer().expAvg(n)), "exp_avg " + n);
            assertTrue(torch.equal(x.optimizer().expAvgSq(n), y.optimizer().expAvgSq(n)), "exp_avg_sq " + n);
            assertEquals(x.optimizer().stepCount(n), y.optimizer().stepCount(n));
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        for (Path p : List.of(a, b))
            try (Trainer<Tiny.Batch> t = Tiny.trainer(p, Tiny.unet(1), Tiny.config(p).maxSteps(2).checkpointEvery(2).build())) { t.run(); }
        try (Trainer<Tiny.Batch> t = Tiny.trainer(c, Tiny.unet(1), Tiny.config(c).seed(8).maxSteps(2).checkpointEvery(2).build())) { t.run(); }
        String w = "checkpoint-2/unet/diffusion_pytorch_model.safetensors";
        assertArrayEquals(Files.readAllBytes(a.resolve(w)), Files.readAllBytes(b.resolve(w)));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve(w)), Files.readAllBytes(c.resolve(w))));
    }

    @Test
    void checkpointIsALoadableComponentFolder() throws Exception {
        Path a = tmp.resolve("a");
        UNet2DConditionModel u = Tiny.unet(1);
        try (Trainer<Tiny.Batch> t = Tiny.trainer(a, u, Tiny.config(a).maxSteps(1).build())) { t.run(); }
        UNet2DConditionModel loaded = new UNet2DConditionModel(Tiny.CONFIG);
        try (var src = io.easel.weights.SafeTensors.open(a.resolve("checkpoint-1/unet/diffusion_pytorch_model.safetensors"))) {
            io.easel.weights.ModuleLoader.load(loaded, src, io.easel.tensor.DType.FP32, null);
            for (Map.Entry<String, Param> e : u.parameters().entrySet())
                assertTrue(torch.equal(e.getValue().get(), loaded.parameters().get(e.getKey()).get()), e.getKey());
        }
    }

    @Test
    void refusesResumeUnderAnotherRecipeArchitectureOrSeed() {
        Path a = tmp.resolve("a");
        try (Trainer<Tiny.Batch> t = Tiny.trainer(a, Tiny.unet(1), Tiny.config(a).maxSteps(1).build())) { t.run(); }
        // another recipe
        var e1 = assertThrows(IllegalArgumentException.class, () -> {
            TrainerConfig c = TrainerConfig.builder(a, "controlnet").seed(7).batchSize(2).gradAccumulation(2).maxSteps(6).build();
            try (Trainer<Tiny.Batch> t = Tiny.trainer(a, Tiny.unet(1), c)) { t.run(); }
        });
        assertTrue(e1.getMessage().contains("recipe tiny-unet") && e1.getMessage().contains("trainer_state.json"), e1.getMessage());
        // another architecture (wider UNet)
        var wide = new io.easel.models.unet.UNet2DConditionConfig(4, 4, List.of(16, 16, 32, 48), 1, 16, List.of(2, 2, 2, 2),
                io.easel.models.unet.UNet2DConditionConfig.SD_DOWN, io.easel.models.unet.UNet2DConditionConfig.SD_UP, 8, 1e-5, false, false, true, 0);
        UNet2DConditionModel w = new UNet2DConditionModel(wide);
        w.init(torch.createCPUGenerator(1), io.easel.tensor.DType.FP32);
        var e2 = assertThrows(IllegalArgumentException.class, () -> {
            try (Trainer<Tiny.Batch> t = Tiny.trainer(a, w, Tiny.config(a).build())) { t.run(); }
        });
        assertTrue(e2.getMessage().contains("another architecture") || e2.getMessage().contains("shape"), e2.getMessage());
        // another seed
        var e3 = assertThrows(IllegalArgumentException.class, () -> {
            try (Trainer<Tiny.Batch> t = Tiny.trainer(a, Tiny.unet(1), Tiny.config(a).seed(8).build())) { t.run(); }
        });
        assertTrue(e3.getMessage().contains("seed 7"), e3.getMessage());
        // starting afresh over existing checkpoints
        var e4 = assertThrows(IllegalArgumentException.class, () -> {
            try (Trainer<Tiny.Batch> t = Tiny.trainer(a, Tiny.unet(1), Tiny.config(a).resume(TrainerConfig.Resume.NEVER).build())) { t.run(); }
        });
        assertTrue(e4.getMessage().contains("already holds checkpoints"), e4.getMessage());
    }

    @Test
    void emptyDatasetFailsBeforeTraining() {
        UNet2DConditionModel u = Tiny.unet(1);
        Path a = tmp.resolve("a");
        var e = assertThrows(IllegalArgumentException.class, () -> new Trainer<>(Tiny.config(a).build(),
                List.of(Component.of("unet", u, ParamSelector.ALL)), Tiny.data(0), Tiny.objective(u)));
        assertTrue(e.getMessage().contains("empty"));
        assertFalse(Files.exists(a));
    }

    @Test
    void frozenParametersDoNotMove() {
        Path a = tmp.resolve("a");
        UNet2DConditionModel u = Tiny.unet(1);
        Tensor before = u.parameters().get("conv_in.weight").get().clone();
        Tensor trainedBefore = u.parameters().get("conv_out.weight").get().clone();
        TrainerConfig cfg = Tiny.config(a).maxSteps(2).lrSchedule(LrSchedule.CONSTANT).build();
        try (Trainer<Tiny.Batch> t = new Trainer<>(cfg, List.of(Component.of("unet", u, ParamSelector.of("up_blocks.*", "conv_out.*"))),
                Tiny.data(5), Tiny.objective(u))) {
            t.run();
            assertTrue(t.params().names().stream().allMatch(n -> n.startsWith("unet/up_blocks.") || n.startsWith("unet/conv_out.")));
        }
        assertTrue(torch.equal(before, u.parameters().get("conv_in.weight").get()));
        assertFalse(torch.equal(trainedBefore, u.parameters().get("conv_out.weight").get()));
        assertEquals(T.dtype(before).value, torch.ScalarType.Float.value);
    }
}
