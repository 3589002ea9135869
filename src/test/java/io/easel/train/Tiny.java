package io.easel.train;

import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;
import java.util.List;

/** A tiny SD-topology UNet and a synthetic latent dataset, for trainer tests that run in seconds. */
final class Tiny {
    private Tiny() {}

    static final UNet2DConditionConfig CONFIG = new UNet2DConditionConfig(4, 4, List.of(16, 16, 32, 32), 1, 16,
            List.of(2, 2, 2, 2), UNet2DConditionConfig.SD_DOWN, UNet2DConditionConfig.SD_UP, 8, 1e-5, false, false, true, 0);

    static final SchedulerConfig NOISE = SchedulerConfig.SD15;

    /** A randomly initialised tiny UNet (PyTorch's default layer init from {@code seed}). */
    static UNet2DConditionModel unet(long seed) {
        UNet2DConditionModel m = new UNet2DConditionModel(CONFIG);
        m.init(torch.createCPUGenerator(seed), DType.FP32);
        return m;
    }

    /** A batch of latents [B,4,8,8] and contexts [B,6,16]. */
    record Batch(Tensor latents, Tensor ctx) {}

    /** {@code n} examples, each a deterministic function of its index. */
    static BatchSource<Batch> data(int n) {
        return new BatchSource<>() {
            @Override public int size() { return n; }

            @Override public Batch batch(int[] idx) {
                Tensor[] lat = new Tensor[idx.length], ctx = new Tensor[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    Generator g = torch.createCPUGenerator(1000 + idx[i]);
                    lat[i] = torch.randn(new long[]{1, 4, 8, 8}, new GeneratorOptional(g), T.opts(torch.ScalarType.Float));
                    ctx[i] = torch.randn(new long[]{1, 6, 16}, new GeneratorOptional(g), T.opts(torch.ScalarType.Float));
                }
                return new Batch(T.cat(List.of(lat), 0), T.cat(List.of(ctx), 0));
            }

            @Override public String fingerprint() { return "tiny-" + n; }
        };
    }

    static Objective<Batch> objective(UNet2DConditionModel unet) {
        DiffusionStep step = new DiffusionStep(unet, NOISE);
        return (b, gen) -> step.compute(b.latents(), b.ctx(), gen, null).loss();
    }

    static TrainerConfig.Builder config(Path out) {
        return TrainerConfig.builder(out, "tiny-unet").seed(7).batchSize(2).gradAccumulation(2).maxSteps(6)
                .checkpointEvery(3).lr(1e-3).lrSchedule(LrSchedule.warmup(2)).maxGradNorm(0.5);
    }

    static Trainer<Batch> trainer(Path out, UNet2DConditionModel unet, TrainerConfig cfg) {
        return new Trainer<>(cfg, List.of(Component.of("unet", unet, ParamSelector.ALL)), data(5), objective(unet));
    }
}
