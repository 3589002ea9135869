package io.easel.api;

import io.easel.annotators.Image;
import io.easel.annotators.Images;
import io.easel.annotators.Interpolation;
import io.easel.annotators.Resize;
import io.easel.pipeline.Canvas;
import io.easel.pipeline.Diffusion;
import io.easel.pipeline.InitImage;
import io.easel.pipeline.LoadOptions;
import io.easel.pipeline.PipelineImages;
import io.easel.pipeline.Prompt;
import io.easel.pipeline.SamplingSpec;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.StepListener;
import io.easel.train.recipes.ClipRecipe;
import io.easel.train.recipes.ControlNetRecipe;
import io.easel.train.recipes.RecipeRun;
import io.easel.train.recipes.UnetRecipe;
import org.bytedeco.javacpp.PointerScope;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The library facade: load a model once, generate many times.
 *
 * <pre>{@code
 * try (Easel easel = Easel.open(Path.of("v1-5-pruned-emaonly.safetensors"), LoadOptions.DEFAULT)) {
 *     GenerationResult r = easel.generate(GenerationRequest.builder("a red fox in the snow").seed(42L).build(), ProgressListener.NONE);
 *     PngFiles.write(r.images().get(0), Path.of("fox.png"), Map.of("parameters", r.parameters().get(0)));
 * }
 * }</pre>
 */
public final class Easel implements AutoCloseable {
    public static final String VERSION = "0.1.0";

    private final StableDiffusion model;
    private final String modelName;
    /** ControlNets loaded by earlier requests, by path. */
    private final io.easel.pipeline.ControlNetCache controlNets;

    private Easel(StableDiffusion model) {
        this.model = model;
        this.modelName = model.path().getFileName().toString();
        this.controlNets = new io.easel.pipeline.ControlNetCache(model);
    }

    /** Loads a diffusers folder or a single-file checkpoint. */
    public static Easel open(Path model, ModelOptions options) {
        return new Easel(StableDiffusion.load(model, options.toLoadOptions()));
    }

    /** Loads with lower-level options. */
    public static Easel open(Path model, LoadOptions options) {
        return new Easel(StableDiffusion.load(model, options));
    }

    /** What a checkpoint file or folder holds, from its headers: one line per fact. */
    public static List<String> info(Path path, ModelOptions options) {
        return ModelInfo.describe(path, options.overrides());
    }

    /**
     * Runs every reference case below {@code dir}, printing one line per case and a summary.
     *
     * @return true when no case failed
     */
    public static boolean conformance(Path dir, java.io.PrintWriter out, boolean verbose) throws java.io.IOException {
        io.easel.tensor.Native.init();
        return new io.easel.conformance.ConformanceRunner().run(dir, out, verbose).ok();
    }

    /**
     * Runs an annotator ({@code easel annotate}): reads {@code in} (an image, or OpenPose JSON /
     * a label map for the pose and segmentation renderers), writes a PNG to {@code out}.
     */
    public static void annotate(String kind, Path in, Path out, java.util.Map<String, String> options) {
        io.easel.annotators.Annotator a = io.easel.annotators.Annotator.byName(kind);
        if (!java.nio.file.Files.isRegularFile(in)) throw new IllegalArgumentException(in + ": no such file");
        Image img = a.run(in, options);
        if (a == io.easel.annotators.Annotator.INPAINT) Images.write(img, out);
        else PngFiles.write(img.toRgb(), out, java.util.Map.of("annotator", kind + " " + options));
    }

    /** The annotators with their options, one block per annotator, for {@code easel annotate --list}. */
    public static List<String> annotatorHelp() {
        List<String> out = new ArrayList<>();
        for (io.easel.annotators.Annotator a : io.easel.annotators.Annotator.values()) {
            out.add(a.id() + ": " + a.description() + (a.input() == io.easel.annotators.Annotator.Input.IMAGE ? "" : " (reads " + a.input().name().toLowerCase().replace('_', ' ') + ")"));
            for (io.easel.annotators.OptionSpec o : a.optionSpecs())
                out.add("    " + o.name() + "=" + (o.defaultValue() == null ? "" : o.defaultValue()) + "  " + o.description());
        }
        return out;
    }

    /**
     * Writes a shapes-world dataset ({@code easel dataset shapes}): {@code count} scenes from
     * {@code seed}, plus {@code holdout} held-out scenes, at {@code size} pixels, with every
     * condition map, in both pair layouts.
     */
    public static String datasetShapes(Path out, int count, long seed, int holdout, int size, String condition, ProgressListener progress) {
        var o = io.easel.train.shapes.ShapesDataset.Options.defaults();
        o = o.withWorld(o.world().withSize(size));
        o = new io.easel.train.shapes.ShapesDataset.Options(o.world(), o.conditions(), o.promptCondition(), holdout, o.threads());
        if (condition != null) o = o.withPromptCondition(io.easel.train.shapes.ConditionKind.fromName(condition));
        long t0 = System.nanoTime();
        var sum = io.easel.train.shapes.ShapesDataset.generate(out, count, seed, o,
                (split, done, total) -> progress.progress("scenes (" + split + ")", done, total, (System.nanoTime() - t0) / 1e9));
        return String.format(java.util.Locale.ROOT, "%d scenes + %d held out, %d files in %s (%.1f s)", sum.count(), sum.holdout(), sum.files(), sum.out(), sum.seconds());
    }

    /**
     * {@code easel train vae}: trains a KL autoencoder on a dataset's images (see
     * {@link io.easel.train.recipes.VaeRecipe}) and writes {@code OUT/final/vae} (diffusers layout,
     * measured {@code scaling_factor}) with {@code OUT/final/metrics.json}. Data and settings are
     * checked before the first step; a run folder with checkpoints is resumed unless
     * {@code run.resume()} is off.
     *
     * @param progress draw the trainer's progress bar on standard error
     */
    public static TrainSummary trainVae(VaeTraining request, TrainRun run, boolean progress) {
        io.easel.tensor.Native.init();
        io.easel.train.recipes.VaeRecipe.Options o = request.toOptions();
        io.easel.train.recipes.RecipeRun rr = run.resolve(VaeTraining.DEFAULT_STEPS, VaeTraining.DEFAULT_BATCH,
                io.easel.train.recipes.VaeRecipe.DEFAULT_LR, VaeTraining.DEFAULT_CHECKPOINT_EVERY, progress);
        io.easel.train.recipes.VaeRecipe.Result r = io.easel.train.recipes.VaeRecipe.run(o, rr);
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("scaling_factor", r.scalingFactor());
        m.put("psnr_db", r.metrics().psnr());
        m.put("mae", r.metrics().mae());
        m.put("l1", r.lastL1());
        m.put("kl_mean", r.lastKl());
        return new TrainSummary("vae", r.finalDir().resolve("vae"), r.steps(), r.resumed(), r.lastLoss(), m,
                io.easel.train.recipes.VaeRecipe.describe(r));
    }

    /** The clip recipe's defaults as {@code easel train clip --help} lists them (a compile-time constant). */
    public static final String TRAIN_CLIP_DEFAULTS = "Recipe defaults: --steps " + ClipRecipe.DEFAULT_STEPS + ", --batch-size " + ClipRecipe.DEFAULT_BATCH
            + ", --lr " + ClipRecipe.DEFAULT_LR + ", --warmup-steps " + ClipRecipe.DEFAULT_WARMUP + ", --lr-schedule " + ClipRecipe.DEFAULT_SCHEDULE
            + ", --checkpoint-every " + ClipRecipe.DEFAULT_CHECKPOINT_EVERY + ", --image-size " + ClipRecipe.DEFAULT_IMAGE_SIZE
            + ", --weight-decay " + ClipRecipe.DEFAULT_WEIGHT_DECAY + ".";
    /** The clip recipe's default training resolution. */
    public static final int TRAIN_CLIP_IMAGE_SIZE = ClipRecipe.DEFAULT_IMAGE_SIZE;
    /** The clip recipe's default AdamW weight decay. */
    public static final double TRAIN_CLIP_WEIGHT_DECAY = ClipRecipe.DEFAULT_WEIGHT_DECAY;

    /**
     * {@code easel train clip}: trains a small CLIP text and image pair contrastively on the
     * (image, caption) pairs of {@code data} (see {@link io.easel.train.recipes.ClipRecipe}); the
     * final model goes to {@code OUT/final} (clip/, text_encoder/, tokenizer/, metrics.json).
     *
     * @param holdout     held-out pairs for the retrieval metrics; null for {@code data/holdout} when present
     * @param imageSize   training resolution, a multiple of 8 (the recipe's default 64)
     * @param weightDecay AdamW weight decay (the recipe's default 0.1)
     * @return a one-paragraph summary
     */
    public static String trainClip(Path data, Path holdout, int imageSize, double weightDecay, TrainRun run) {
        return trainClip(data, holdout, imageSize, weightDecay, "fp32", run);
    }

    /**
     * As above, with the final model's files ({@code clip/}, {@code text_encoder/}) in
     * {@code saveDtype}: "fp32" or "fp16" (null: fp32). Rerunning a finished run rewrites
     * {@code final/} in the given precision without training.
     */
    public static String trainClip(Path data, Path holdout, int imageSize, double weightDecay, String saveDtype, TrainRun run) {
        return trainClip(data, holdout, imageSize, weightDecay, saveDtype, null, null, false, run);
    }

    /**
     * As above, starting from the CLIP folder {@code init} (null: fresh weights) with the text tower
     * from the text encoder folder {@code initText} (null: {@code init}'s own), and with
     * {@code hardNegatives} NegCLIP's swapped-relation, swapped-order and swapped-colour captions as
     * extra negatives of each image.
     */
    public static String trainClip(Path data, Path holdout, int imageSize, double weightDecay, String saveDtype, Path init,
                                   Path initText, boolean hardNegatives, TrainRun run) {
        io.easel.tensor.Native.init();
        var o = new ClipRecipe.Options(imageSize, weightDecay, holdout, null, io.easel.train.recipes.SaveDtype.parse(saveDtype),
                init, initText, hardNegatives);
        var r = run.resolve(ClipRecipe.DEFAULT_STEPS, ClipRecipe.DEFAULT_BATCH,
                ClipRecipe.DEFAULT_LR, ClipRecipe.DEFAULT_CHECKPOINT_EVERY,
                ClipRecipe.DEFAULT_WARMUP, ClipRecipe.DEFAULT_SCHEDULE, true);
        var s = ClipRecipe.train(data, r, o);
        String m = s.metrics() == null ? "no held-out pairs, no retrieval metrics" : String.format(java.util.Locale.ROOT,
                "held-out retrieval (%d pairs, groups of %d): image->caption top-1 %.3f, caption->image %.3f (chance %.3f); among all %d: %.3f",
                s.metrics().pairs(), s.metrics().batch(), s.metrics().imageToCaptionTop1(), s.metrics().captionToImageTop1(),
                s.metrics().chanceTop1(), s.metrics().pairs(), s.metrics().imageToCaptionTop1All())
                + (s.metrics().hardNegatives().isEmpty() ? "" : "\ntrue caption above its hard negative (chance 0.5): " + hardNegativeText(s.metrics()));
        return String.format(java.util.Locale.ROOT, "%s %d steps, last loss %.4f, temperature exp(logit_scale) %.1f%n%s%nfinal model: %s",
                s.resumed() ? "resumed to" : "trained", s.steps(), s.lastLoss(), s.logitScale(), m, s.finalDir());
    }

    private static String hardNegativeText(ClipRecipe.Metrics m) {
        StringBuilder sb = new StringBuilder();
        m.hardNegatives().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k.name().toLowerCase(java.util.Locale.ROOT))
                .append(String.format(java.util.Locale.ROOT, " %.3f", v)));
        return sb.toString();
    }

    /**
     * {@code easel train unet}: text-to-image training of a UNet (from scratch or fine-tuning) with
     * a frozen VAE and text encoder; the run folder ends with {@code final/}, a diffusers pipeline.
     * Defaults: {@link UnetRecipe} (from scratch lr 5e-4 with 500 warm-up
     * steps, fine-tuning lr 1e-4; batch 32; 20000 steps; a checkpoint every 1000).
     *
     * @param progressBar draw the trainer's progress bar on standard error
     * @return a few lines: steps, last loss, where the model went
     */
    public static String trainUnet(UnetTraining what, TrainRun run, boolean progressBar) {
        io.easel.tensor.Native.init();
        UnetRecipe.Settings s = what.settings();
        boolean scratch = s.trainsFromScratch();
        RecipeRun rr = run.resolve(UnetRecipe.DEFAULT_STEPS, UnetRecipe.DEFAULT_BATCH,
                scratch ? UnetRecipe.DEFAULT_LR_SCRATCH : UnetRecipe.DEFAULT_LR_FINETUNE, UnetRecipe.DEFAULT_CHECKPOINT_EVERY,
                scratch ? UnetRecipe.DEFAULT_WARMUP_SCRATCH : UnetRecipe.DEFAULT_WARMUP_FINETUNE, "constant", progressBar);
        try (UnetRecipe r = UnetRecipe.prepare(s, rr)) {
            return r.run().describe();
        }
    }

    /**
     * Trains a ControlNet on a locked base model ({@code easel train controlnet}); see
     * {@link io.easel.train.recipes.ControlNetRecipe}. Defaults for what {@code run} leaves open:
     * 10000 steps, batch size 4, learning rate 1e-5 (the paper's for SD), a checkpoint every 500
     * steps. The final model goes to {@code run.output()/final}.
     *
     * @param progress where the progress bar goes, or null for none
     * @return a one-line summary
     */
    public static String trainControlNet(TrainRun run, ControlNetTraining options, java.io.PrintStream progress) {
        io.easel.tensor.Native.init();
        ControlNetRecipe.Options o = options.toOptions();
        io.easel.train.recipes.RecipeRun r = run.resolve(ControlNetRecipe.DEFAULT_STEPS, ControlNetRecipe.DEFAULT_BATCH, ControlNetRecipe.DEFAULT_LR, ControlNetRecipe.DEFAULT_CHECKPOINT_EVERY, progress != null);
        return ControlNetRecipe.train(r, o, progress).describe();
    }

    /** Measures a network at real size with random weights; see {@link io.easel.bench.Bench}. */
    public static void bench(String target, String arch, int width, int height, int batch, int steps, String dtype, java.io.PrintWriter out) {
        bench(target, arch, width, height, batch, steps, dtype, 0, out);
    }

    /** As above; with {@code controlNets} > 0 the UNet is timed alone and with 1..N ControlNets in one run. */
    public static void bench(String target, String arch, int width, int height, int batch, int steps, String dtype, int controlNets, java.io.PrintWriter out) {
        bench(target, arch, width, height, batch, steps, dtype, controlNets, 0, out);
    }

    /** As above, on {@code threads} intra-op threads (0: all cores, or {@code EASEL_THREADS}). */
    public static void bench(String target, String arch, int width, int height, int batch, int steps, String dtype, int controlNets, int threads,
                             java.io.PrintWriter out) {
        if (threads > 0) io.easel.tensor.Native.setThreads(threads);
        io.easel.bench.Bench.Target t = switch (target) {
            case "unet" -> io.easel.bench.Bench.Target.UNET;
            case "vae-decode" -> io.easel.bench.Bench.Target.VAE_DECODE;
            case "text-encoder" -> io.easel.bench.Bench.Target.TEXT_ENCODER;
            case "train-controlnet" -> io.easel.bench.Bench.Target.TRAIN_CONTROLNET;
            default -> throw new IllegalArgumentException("unknown bench target '" + target + "' (unet, vae-decode, text-encoder, train-controlnet)");
        };
        io.easel.tensor.DType d = io.easel.tensor.DType.parse(dtype);
        io.easel.bench.Bench.run(new io.easel.bench.Bench.Spec(t, arch, width, height, batch, steps, d, controlNets), out);
    }

    /** The image size the model was trained at: the default output size. */
    public int nativeSize() { return model.nativeSize(); }

    /**
     * The bundled default model (Easel's own, trained on the shapes world; see models/README.md):
     * {@code $EASEL_HOME/models/easel-shapes}, where the launcher sets EASEL_HOME to the checkout;
     * null when it is not there.
     */
    public static Path defaultModel() {
        String home = System.getProperty("easel.home", System.getenv("EASEL_HOME"));
        if (home == null) return null;
        Path p = Path.of(home, "models", "easel-shapes");
        return java.nio.file.Files.isRegularFile(p.resolve("model_index.json")) ? p : null;
    }

    /** The bundled ControlNets of the default family (canny, seg, pose) that are present, by condition name. */
    public static java.util.Map<String, Path> defaultControlNets() {
        java.util.Map<String, Path> out = new java.util.LinkedHashMap<>();
        String home = System.getProperty("easel.home", System.getenv("EASEL_HOME"));
        if (home == null) return out;
        for (String k : List.of("canny", "seg", "pose")) {
            Path p = Path.of(home, "models", "easel-shapes-controlnet-" + k);
            if (java.nio.file.Files.isRegularFile(p.resolve("config.json"))) out.put(k, p);
        }
        return out;
    }

    /**
     * Writes the contact sheet of {@code easel demo}: text-only generations and each ControlNet
     * with its input condition.
     */
    public static void demo(Path out, Path model, java.util.Map<String, Path> controlNets, long seed, int steps, ModelOptions options, ProgressListener progress) {
        long t0 = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(model, options.toLoadOptions())) {
            java.util.Map<io.easel.train.shapes.ConditionKind, Path> nets = new java.util.LinkedHashMap<>();
            controlNets.forEach((k, v) -> nets.put(io.easel.train.shapes.ConditionKind.fromName(k), v));
            java.awt.image.BufferedImage sheet = io.easel.train.shapes.Demo.contactSheet(sd, nets, seed, io.easel.sampling.SamplerKind.DPMPP_2M, steps, 5.0,
                    (d, n) -> progress.progress("demo images", d, n, (System.nanoTime() - t0) / 1e9));
            PngFiles.write(Images.fromBuffered(sheet), out, java.util.Map.of("parameters", "easel demo, model " + model.getFileName()
                    + ", seed " + seed + ", steps " + steps + ", sampler DPM++ 2M, CFG scale 5"));
        }
    }

    /**
     * {@code easel eval shapes}: prompt-following scores of text-only generation on held-out
     * shapes-world scenes, and each ControlNet's metric with and without its condition.
     */
    public static String evalShapes(Path model, java.util.Map<String, Path> controlNets, int scenes, long seed, int steps, double cfg,
                                    ModelOptions options, ProgressListener progress) {
        new io.easel.pipeline.SamplingSpec(io.easel.sampling.SamplerKind.DPMPP_2M, steps, cfg, 0, seed); // --steps and --cfg checked before loading
        long t0 = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(model, options.toLoadOptions())) {
            List<io.easel.train.shapes.ShapesEvaluation.Unit> units = new ArrayList<>();
            controlNets.forEach((k, v) -> units.add(new io.easel.train.shapes.ShapesEvaluation.Unit(io.easel.train.shapes.ConditionKind.fromName(k), v)));
            var r = io.easel.train.shapes.ShapesEvaluation.run(sd, units, scenes, seed, io.easel.sampling.SamplerKind.DPMPP_2M, steps, cfg,
                    (what, d, n) -> progress.progress("eval", d, n, (System.nanoTime() - t0) / 1e9));
            return r.describe() + String.format(java.util.Locale.ROOT, "(%d steps DPM++ 2M, CFG %s, seed = scene index; %.0f s)", steps, GenerationParameters.num(cfg), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The loaded pipeline, for lower-level use. */
    public StableDiffusion model() { return model; }

    /** Runs one generation (txt2img, or img2img when the request has an init image). */
    public GenerationResult generate(GenerationRequest r, ProgressListener progress) {
        long seed = r.seed() != null ? r.seed() : new SecureRandom().nextInt() & 0xffffffffL;
        long t0 = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            Canvas canvas = new Canvas(r.width(), r.height(), r.batch());
            InitImage init = null;
            if (r.initImage() != null) {
                Image img = Images.read(r.initImage()).toRgb();
                if (img.width() != r.width() || img.height() != r.height())
                    img = Resize.resize(img, r.width(), r.height(), Interpolation.CUBIC);
                init = new InitImage(PipelineImages.toTensor(img), r.strength());
            }
            List<io.easel.pipeline.ResidualSource> units = new ArrayList<>();
            for (GenerationRequest.ControlUnitSpec c : r.controls()) units.add(controlUnit(c, r.width(), r.height()));
            StepListener steps = (i, n, x) -> progress.progress("denoise", i + 1, n, (System.nanoTime() - t0) / 1e9);
            Diffusion.Result res = Diffusion.run(model, new Prompt(r.prompt(), r.negativePrompt(), r.clipSkip()), canvas,
                    new SamplingSpec(r.sampler(), r.steps(), r.cfg(), r.eta(), seed), init, units, steps);
            List<Image> images = new ArrayList<>();
            List<String> params = new ArrayList<>();
            for (int i = 0; i < r.batch(); i++) {
                images.add(PipelineImages.toImage(res.images(), i));
                params.add(GenerationParameters.format(r, seed, i, modelName, model.dtype().cliName()));
            }
            return new GenerationResult(images, params, seed, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Loads (once) the unit's ControlNet and prepares its condition: fitted to the output size, annotated if asked. */
    private io.easel.pipeline.ControlUnit controlUnit(GenerationRequest.ControlUnitSpec c, int width, int height) {
        io.easel.pipeline.ControlUnit.ResizeMode fit = io.easel.pipeline.ControlUnit.ResizeMode.parse(c.resize());
        io.easel.annotators.Annotator a = c.annotate() == null || c.annotate().equals("none") ? null : io.easel.annotators.Annotator.byName(c.annotate());
        Image img;
        if (a != null && a.input() != io.easel.annotators.Annotator.Input.IMAGE) {
            // pose JSON or a label map: render at its own size, then fit
            img = fit.fit(a.run(c.image(), java.util.Map.of()).toRgb(), width, height);
        } else {
            img = Images.read(c.image());
            if (img.hasAlpha()) img = img.flattenAlpha();
            img = fit.fit(img.toRgb(), width, height);
            if (a != null) img = a.apply(img, java.util.Map.of()).toRgb();
        }
        return controlNets.unit(c.model(), PipelineImages.toUnitTensor(img), c.weight(), c.start(), c.end(),
                io.easel.pipeline.ControlUnit.ControlMode.parse(c.mode()));
    }

    @Override
    public void close() {
        controlNets.close();
        model.close();
    }
}
