package io.easel.train.shapes;

import io.easel.annotators.Image;
import io.easel.pipeline.Canvas;
import io.easel.pipeline.ControlNetCache;
import io.easel.pipeline.ControlUnit;
import io.easel.pipeline.Diffusion;
import io.easel.pipeline.PipelineImages;
import io.easel.pipeline.Prompt;
import io.easel.pipeline.ResidualSource;
import io.easel.pipeline.SamplingSpec;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.SamplerKind;
import io.easel.sampling.StepListener;
import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures a model on held-out shapes-world scenes (issue #9 item 6): the caption of each scene
 * is the prompt; the generated image is scored against the scene's exact truth by
 * {@link ShapesMetrics}. Each ControlNet unit is scored on the same prompts and seeds with and
 * without its condition, on the metric its condition controls (canny: edge F1, seg:
 * segmentation IoU, pose: figure IoU and PCK).
 */
public final class ShapesEvaluation {
    private ShapesEvaluation() {}

    /** A ControlNet to evaluate and the condition kind it was trained on. */
    public record Unit(ConditionKind kind, Path controlNet) {}

    /** Progress per generated image. */
    public interface Progress { void update(String what, int done, int total); }

    /**
     * @param textOnly    the prompt-following scores of text-only generation
     * @param with        per unit, the scores with its condition (text-only generation is the baseline)
     * @param autoencoder the scores of the model's VAE reconstructing the true renders (encode, take
     *                    the posterior mean, decode): the ceiling the VAE sets on any generation
     */
    public record Result(int scenes, ShapesMetrics.Report textOnly, Map<ConditionKind, ShapesMetrics.Report> with, ShapesMetrics.Report autoencoder) {
        /** The metric a condition kind controls, from a report. */
        public static double metric(ConditionKind k, ShapesMetrics.Report r) {
            return switch (k) {
                case CANNY, SCRIBBLE -> r.edgeF1();
                case SEG, SEG_LABELS -> r.segmentationIoU();
                case POSE -> r.poseIoU();
                default -> r.edgeF1();
            };
        }

        public String describe() {
            StringBuilder sb = new StringBuilder();
            ShapesMetrics.Report t = textOnly;
            sb.append(String.format(Locale.ROOT, "text only, %d held-out scenes (%d objects, %d relations, %d figures): colour %.3f, shape %.3f, relation %.3f%n",
                    scenes, t.objects(), t.relations(), t.figures(), t.color(), t.shape(), t.relation()));
            sb.append(String.format(Locale.ROOT, "  relation %.3f on the %d pairs whose two colours were found (chance about 0.5)%n",
                    t.relationFound(), t.relationsFound()));
            sb.append(String.format(Locale.ROOT, "  edge F1 %.3f, segmentation IoU %.3f, figure IoU %.3f, PCK %.3f (no control)%n",
                    t.edgeF1(), t.segmentationIoU(), t.poseIoU(), t.posePck()));
            ShapesMetrics.Report v = autoencoder;
            sb.append(String.format(Locale.ROOT, "autoencoder ceiling (the VAE reconstructing the true scenes): colour %.3f, shape %.3f, relation %.3f, "
                    + "edge F1 %.3f, segmentation IoU %.3f, figure IoU %.3f, PCK %.3f%n",
                    v.color(), v.shape(), v.relation(), v.edgeF1(), v.segmentationIoU(), v.poseIoU(), v.posePck()));
            for (Map.Entry<ConditionKind, ShapesMetrics.Report> e : with.entrySet()) {
                ShapesMetrics.Report w = e.getValue();
                double a = metric(e.getKey(), t), b = metric(e.getKey(), w);
                sb.append(String.format(Locale.ROOT, "controlnet %s: %s %.3f without -> %.3f with (x%.2f); with it: colour %.3f, shape %.3f, relation %.3f%s%n",
                        e.getKey().dirName(), metricName(e.getKey()), a, b, b / a, w.color(), w.shape(), w.relation(),
                        e.getKey() == ConditionKind.POSE ? String.format(Locale.ROOT, ", PCK %.3f -> %.3f", t.posePck(), w.posePck()) : ""));
            }
            return sb.toString();
        }

        static String metricName(ConditionKind k) {
            return switch (k) {
                case CANNY, SCRIBBLE -> "edge F1";
                case SEG, SEG_LABELS -> "segmentation IoU";
                case POSE -> "figure IoU";
                default -> "edge F1";
            };
        }
    }

    /**
     * Generates and scores {@code scenes} held-out scenes (stream 1 of {@code seed}), each with
     * its own seed (the scene index), at the model's native size.
     */
    public static Result run(StableDiffusion sd, List<Unit> units, int scenes, long seed, SamplerKind sampler, int steps, double cfg,
                             Progress progress) {
        if (scenes < 1) throw new IllegalArgumentException("--scenes must be at least 1");
        int size = sd.nativeSize();
        ShapesWorld.Options world = ShapesWorld.Options.defaults().withSize(size);
        ShapesMetrics.Accumulator text = new ShapesMetrics.Accumulator(), vae = new ShapesMetrics.Accumulator();
        Map<ConditionKind, ShapesMetrics.Accumulator> with = new LinkedHashMap<>();
        for (Unit u : units) with.put(u.kind(), new ShapesMetrics.Accumulator());
        int total = scenes * (1 + units.size()), done = 0;
        try (ControlNetCache nets = new ControlNetCache(sd)) {
            for (int i = 0; i < scenes; i++) {
                ShapesWorld.Sample s = ShapesWorld.sample(ShapesWorld.sceneSeed(seed, 1, i), world);
                Rendered r = ShapesWorld.render(s.scene()), twin = ShapesWorld.render(s.styleTwin());
                vae.add(ShapesMetrics.score(reconstruct(sd, r.image()), r));
                SamplingSpec spec = new SamplingSpec(sampler, steps, cfg, 0, i);
                text.add(ShapesMetrics.score(generate(sd, s.scene().caption(), size, spec, List.of()), r));
                progress.update("text only", ++done, total);
                for (Unit u : units) {
                    Image cond = u.kind().compute(r, twin).toRgb();
                    ControlUnit unit = nets.unit(u.controlNet(), PipelineImages.toUnitTensor(cond), 1.0, 0, 1, ControlUnit.ControlMode.BALANCED);
                    with.get(u.kind()).add(ShapesMetrics.score(generate(sd, s.scene().caption(), size, spec, List.of(unit)), r));
                    progress.update("controlnet " + u.kind().dirName(), ++done, total);
                }
            }
        }
        Map<ConditionKind, ShapesMetrics.Report> w = new LinkedHashMap<>();
        with.forEach((k, acc) -> w.put(k, acc.report()));
        return new Result(scenes, text.report(), w, vae.report());
    }

    /** The VAE's reconstruction of an image: encoded, the posterior mean decoded. */
    public static Image reconstruct(StableDiffusion sd, Image image) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = PipelineImages.toTensor(image).to(sd.dtype().scalarType());
            Tensor z = sd.vae().encode(x).mean().mul(T.s(sd.scalingFactor()));
            return PipelineImages.toImage(Diffusion.decode(sd, z), 0);
        }
    }

    /** One image for a prompt, with optional control units. */
    public static Image generate(StableDiffusion sd, String prompt, int size, SamplingSpec spec, List<ResidualSource> units) {
        try (PointerScope scope = new PointerScope()) {
            Diffusion.Result res = Diffusion.run(sd, new Prompt(prompt), new Canvas(size, size, 1), spec, null, units, StepListener.NONE);
            return PipelineImages.toImage(res.images(), 0);
        }
    }

}
