package io.easel.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.pipeline.ComponentFiles;
import io.easel.pipeline.ControlNetFiles;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.T;
import io.easel.train.AdamW;
import io.easel.train.AdamWConfig;
import io.easel.train.DiffusionStep;
import io.easel.train.GradClip;
import io.easel.train.ParamSelector;
import io.easel.train.ResidualProvider;
import io.easel.train.TrainableParams;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The training case kinds ({@code FORMAT-training.md}): two optimizer steps of a recipe with every
 * random draw given, checking the loss, the global gradient norm, the clipped gradients of step 0,
 * the parameters after step 2 and the norm of every parameter's total update.
 */
final class TrainingHandlers {
    private TrainingHandlers() {}

    /** {@code train_unet_step}: the UNet trainable (every parameter), text-to-image semantics. */
    static double trainUnetStep(CaseContext c) {
        try (UNet2DConditionModel unet = ComponentFiles.unet(c.model(c.str("unet")), DType.FP32)) {
            return twoSteps(c, unet, unet, batch -> null);
        }
    }

    /**
     * {@code train_controlnet_step}: the ControlNet trainable (every parameter), the UNet frozen
     * (gradients still flow through it into the residuals), {@code train_controlnet.py} semantics:
     * residuals at scale 1.0 from the condition images in [0, 1].
     */
    static double trainControlnetStep(CaseContext c) {
        try (UNet2DConditionModel unet = ComponentFiles.unet(c.model(c.str("unet")), DType.FP32);
             ControlNetModel cn = ControlNetFiles.load(c.model(c.str("controlnet")), unet.config(), DType.FP32)) {
            return twoSteps(c, unet, cn, cond -> (noisy, t, ctx) -> cn.forward(noisy, t, ctx, cond, 1.0, ControlNetModel.SoftWeights.NONE));
        }
    }

    /**
     * Runs the two steps of a case with {@code trained} as the trainable module (all its
     * parameters) and {@code control} building the residual provider of a batch from the case's
     * {@code cond} tensor (null for none); a ControlNet case passes a provider that runs the
     * ControlNet on the condition images.
     */
    static double twoSteps(CaseContext c, UNet2DConditionModel unet, Module trained, Function<Tensor, ResidualProvider> control) {
        // One thread: its reductions are ordered like the reference's to within ~1e-7 on step 0,
        // where two threads already differ by ~1.5e-5 in the gradient norm.
        int threads = org.bytedeco.pytorch.global.torch.get_num_threads();
        org.bytedeco.pytorch.global.torch.set_num_threads(1);
        try {
            return twoStepsSingleThreaded(c, unet, trained, control);
        } finally {
            org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        }
    }

    private static double twoStepsSingleThreaded(CaseContext c, UNet2DConditionModel unet, Module trained, Function<Tensor, ResidualProvider> control) {
        JsonNode o = c.json.get("optimizer");
        if (!o.path("type").asText().equals("AdamW")) throw new IllegalArgumentException("optimizer type " + o.path("type") + " is not AdamW");
        AdamWConfig cfg = new AdamWConfig(o.get("lr").asDouble(), o.at("/betas/0").asDouble(), o.at("/betas/1").asDouble(),
                o.get("eps").asDouble(), o.get("weight_decay").asDouble());
        SchedulerConfig noise = SchedulerConfig.fromJson(c.json.get("noise_scheduler"));
        SchedulerConfig.PredictionType pt = parsePrediction(c.json.path("prediction_type").asText(noise.predictionType().jsonName));
        double maxNorm = c.json.get("max_grad_norm").asDouble();
        double lossTol = c.json.get("loss_tolerance").asDouble();

        double[] relMax = {0};
        TrainableParams params = TrainableParams.prepare(ParamSelector.ALL.select(trained));
        Map<String, Tensor> before = new HashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            for (String n : params.names()) before.put(n, params.tensor(n).clone());
        }
        DiffusionStep step = new DiffusionStep(unet, noise, pt);
        Tensor latents = c.data("latents"), ctx = c.data("encoder_hidden_states");
        ResidualProvider residuals = control.apply(c.json.has("controlnet") && !c.json.get("controlnet").isNull() ? c.data("cond") : null);
        try (AdamW opt = new AdamW(cfg, params)) {
            for (int s = 0; s < c.json.get("steps").size(); s++) {
                try (PointerScope scope = new PointerScope()) {
                    JsonNode expect = c.json.get("steps").get(s);
                    DiffusionStep.Output out = step.compute(latents, ctx, c.data("noise" + s), c.data("timesteps" + s), residuals);
                    c.compareData("noisy" + s, out.noisy());
                    double loss = out.loss().item().toDouble();
                    relative(c, relMax, "steps[" + s + "].loss", loss, expect.get("loss").asDouble(), lossTol);
                    out.loss().backward();
                    double norm = GradClip.clip(params.tensors(), maxNorm);
                    relative(c, relMax, "steps[" + s + "].grad_norm_before_clip", norm, expect.get("grad_norm_before_clip").asDouble(), lossTol);
                    if (s == 0)
                        for (JsonNode p : c.json.get("picked_params"))
                            c.compareData("grad0/" + p.asText(), params.tensor(p.asText()).grad());
                    opt.step(cfg.lr());
                    params.zeroGrad();
                }
            }
        }
        for (JsonNode p : c.json.get("picked_params")) c.compareData("param2/" + p.asText(), params.tensor(p.asText()));
        // update norms: relative, with max(1e-6, |expected|) as the scale
        double tol = c.tolerance();
        JsonNode norms = c.json.get("update_norms");
        Map<String, Double> expected = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = norms.fields(); it.hasNext(); ) {
            var e = it.next();
            expected.put(e.getKey(), e.getValue().asDouble());
        }
        if (!expected.keySet().equals(new java.util.HashSet<>(params.names())))
            c.fail("update_norms name " + expected.size() + " parameters, the trained module has " + params.size());
        int bad = 0;
        String worst = null;
        double worstErr = 0;
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Double> e : expected.entrySet()) {
                if (!before.containsKey(e.getKey())) { c.fail("update_norms: no trained parameter '" + e.getKey() + "'"); continue; }
                double got = params.tensor(e.getKey()).sub(before.get(e.getKey())).norm().item().toDouble();
                double err = Math.abs(got - e.getValue()) / Math.max(1e-6, Math.abs(e.getValue()));
                if (!(err <= tol)) bad++;
                if (!(err <= worstErr)) { worstErr = err; worst = e.getKey() + " (" + got + " vs " + e.getValue() + ")"; }
            }
        }
        relMax[0] = Math.max(relMax[0], worstErr);
        if (bad > 0) c.fail("update_norms: " + bad + " of " + expected.size() + " beyond " + tol + ", worst " + worst + " err " + worstErr);
        return Math.max(c.maxErr(), relMax[0]);
    }

    /** Records a relative error (the printed value is the largest of these and the case's max_err). */
    private static void relative(CaseContext c, double[] relMax, String name, double got, double want, double tol) {
        double err = Math.abs(got - want) / Math.max(1e-12, Math.abs(want));
        relMax[0] = Math.max(relMax[0], Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
        if (!(err <= tol)) c.fail(name + ": " + got + " vs " + want + " (relative err " + err + " > " + tol + ")");
    }

    private static SchedulerConfig.PredictionType parsePrediction(String s) {
        for (SchedulerConfig.PredictionType p : SchedulerConfig.PredictionType.values()) if (p.jsonName.equals(s)) return p;
        throw new IllegalArgumentException("unsupported prediction_type '" + s + "'");
    }
}
