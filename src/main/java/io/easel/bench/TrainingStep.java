package io.easel.bench;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.controlnet.ControlNetConfig;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.train.AdamW;
import io.easel.train.AdamWConfig;
import io.easel.train.DiffusionStep;
import io.easel.train.GradClip;
import io.easel.train.Objective;
import io.easel.train.ParamSelector;
import io.easel.train.TrainableParams;
import io.easel.train.data.ImageBatches;
import io.easel.train.recipes.ControlNetRecipe;
import io.easel.train.recipes.PromptEncoder;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A training step of a recipe at real size with random weights, for {@link Bench}: the recipe's
 * own objective, then what the trainer does with the loss (backward, clip at 1.0, AdamW, zero the
 * gradients). Data loading is left out: the latents are drawn as from cached posteriors, the
 * condition is a fixed random image.
 */
final class TrainingStep implements AutoCloseable {
    private final UNet2DConditionModel unet;
    private final ControlNetModel controlNet;
    private final CLIPTextModel textEncoder;
    private final Objective<ImageBatches.Batch> objective;
    private final ImageBatches.Batch batch;
    private final TrainableParams params;
    private final AdamW optimizer;
    private long index;

    private TrainingStep(UNet2DConditionModel unet, ControlNetModel controlNet, CLIPTextModel textEncoder, Objective<ImageBatches.Batch> objective,
                         ImageBatches.Batch batch, TrainableParams params, AdamW optimizer) {
        this.unet = unet;
        this.controlNet = controlNet;
        this.textEncoder = textEncoder;
        this.objective = objective;
        this.batch = batch;
        this.params = params;
        this.optimizer = optimizer;
    }

    /**
     * The {@code controlnet} recipe on SD1.5 (or SD2.1) with the published hint network: UNet
     * and text encoder random and locked, the ControlNet copied from the UNet as the recipe
     * does, prompt dropout 0.5, lr 1e-5.
     */
    static TrainingStep controlNet(Bench.Spec s) {
        boolean sd2 = s.arch().equals("sd21");
        UNet2DConditionConfig c = sd2 ? UNet2DConditionConfig.SD21 : UNet2DConditionConfig.SD15;
        UNet2DConditionModel u = new UNet2DConditionModel(c);
        u.init(torch.createCPUGenerator(0), DType.FP32);
        for (Param p : u.parameters().values()) p.get().requires_grad_(false);
        ControlNetModel cn = ControlNetModel.fromUNet(u, ControlNetConfig.fromUNet(c), torch.createCPUGenerator(1));
        CLIPTextModel te = new CLIPTextModel(sd2 ? CLIPTextConfig.SD2 : CLIPTextConfig.SD1);
        te.init(torch.createCPUGenerator(2), DType.FP32);
        for (Param p : te.parameters().values()) p.get().requires_grad_(false);
        PromptEncoder text = new PromptEncoder(ClipTokenizer.bundled(), sd2 ? ClipTokenizer.Padding.SD2 : ClipTokenizer.Padding.SD1, te);
        DiffusionStep step = new DiffusionStep(u, sd2 ? SchedulerConfig.SD2_V : SchedulerConfig.SD15);
        long[] latent = {s.batch(), 4, s.height() / 8, s.width() / 8};
        Objective<ImageBatches.Batch> objective = ControlNetRecipe.objective(step, cn, text,
                (b, g) -> torch.randn(latent, new GeneratorOptional(g), T.opts(torch.ScalarType.Float)), ControlNetRecipe.DEFAULT_PROMPT_DROPOUT);
        Tensor cond = torch.rand(s.batch(), 3, s.height(), s.width());
        ImageBatches.Batch batch = new ImageBatches.Batch(null, cond, Collections.nCopies(s.batch(), "a photograph of an astronaut riding a horse"), List.of());
        Map<String, Param> trained = ParamSelector.ALL.select(cn);
        TrainableParams params = TrainableParams.prepare(trained);
        AdamW opt = new AdamW(AdamWConfig.DIFFUSERS.withLr(ControlNetRecipe.DEFAULT_LR), params);
        return new TrainingStep(u, cn, te, objective, batch, params, opt);
    }

    /** Parameters of every network the step runs. */
    long parameterCount() { return unet.parameterCount() + controlNet.parameterCount() + textEncoder.parameterCount(); }

    /** Parameters the step updates. */
    long trainedCount() { return controlNet.parameterCount(); }

    /** One optimizer step; returns the loss. */
    Tensor step() {
        Tensor loss = objective.loss(batch, torch.createCPUGenerator(1000 + index++));
        loss.backward();
        GradClip.clip(params.tensors(), 1.0);
        optimizer.step(optimizer.config().lr());
        params.zeroGrad();
        return loss.detach();
    }

    @Override public void close() {
        optimizer.close();
        controlNet.close();
        unet.close();
        textEncoder.close();
    }
}
