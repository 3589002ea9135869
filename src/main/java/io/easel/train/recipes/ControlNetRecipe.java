package io.easel.train.recipes;

import io.easel.models.ConfigJson;
import io.easel.models.controlnet.ControlNetConfig;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.pipeline.ControlNetFiles;
import io.easel.pipeline.LoadOptions;
import io.easel.pipeline.StableDiffusion;
import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.train.Component;
import io.easel.train.DiffusionStep;
import io.easel.train.Objective;
import io.easel.train.ParamSelector;
import io.easel.train.Seeds;
import io.easel.train.Trainer;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.LatentCache;
import io.easel.train.data.PairDataset;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Export;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code controlnet} recipe (Zhang et al. 2023; diffusers' {@code train_controlnet.py}): a new
 * ControlNet initialised from the base UNet's encoder ({@link ControlNetModel#fromUNet}: copied
 * encoder, zero convolutions, fresh hint network with a zeroed output), trained on
 * (image, condition, caption) triples while the base model stays locked. Every ControlNet
 * parameter trains, as in the paper; the UNet, VAE and text encoder are frozen, and gradients reach
 * the ControlNet through the UNet's residual inputs.
 *
 * <p>A step: captions to the text context, each replaced by the empty prompt with probability
 * {@link Options#promptDropout()} (the paper's 50% by default; {@code train_controlnet.py} and
 * the original training code default to 0); images to latents through the frozen VAE (cached
 * posteriors with {@code --cache-latents}); conditions in [0, 1] as {@code train_controlnet.py}
 * feeds them; then {@link DiffusionStep}'s epsilon (or v) MSE with the ControlNet's residuals at
 * conditioning scale 1. Every draw comes from the step's generator in this order: dropout,
 * latent sample, noise, timesteps.
 *
 * <p>Expect the condition to be picked up late (the paper's "sudden convergence"): the hint
 * network's default-initialised convolutions shrink the condition's variation about 10^4x at the
 * start (measured with four stages: an across-example spread of 4e-5 at its output), and the
 * ControlNet first learns what it can without it.
 *
 * <p>The result, {@code OUT/final}, is a diffusers ControlNet folder ({@code config.json},
 * {@code diffusion_pytorch_model.safetensors}) plus {@code controlnet.safetensors} in the
 * original layout; both load with {@link ControlNetFiles}.
 */
public final class ControlNetRecipe {
    private ControlNetRecipe() {}

    /** The recipe's name in checkpoints. */
    public static final String NAME = "controlnet";
    public static final long DEFAULT_STEPS = 10_000;
    /** diffusers' {@code train_batch_size}. */
    public static final int DEFAULT_BATCH = 4;
    /**
     * The paper's rate for Stable Diffusion (diffusers' script: 5e-6). A small base trained from
     * scratch needs a larger one (1e-4 to 5e-4; the tests' tiny base 3e-3).
     */
    public static final double DEFAULT_LR = 1e-5;
    public static final long DEFAULT_CHECKPOINT_EVERY = 500;
    /** The paper's rate; {@code train_controlnet.py} and the original code default to 0. */
    public static final double DEFAULT_PROMPT_DROPOUT = 0.5;
    /** The original-layout file written next to the diffusers weights in {@code OUT/final}. */
    public static final String ORIGINAL_FILE = "controlnet.safetensors";
    /** Seed stream of the hint network's initialisation (the trainer uses streams 1 and 2). */
    static final long INIT_STREAM = 3;

    /**
     * What the recipe trains on and from.
     *
     * @param model         the base: a diffusers pipeline folder or a single-file checkpoint
     * @param data          a {@code prompt.json} (or a folder holding one), or an images/ + conditions/ + captions.txt folder
     * @param condition     the condition kind, read from {@code conditions/<kind>/}; null for prompt.json or {@code conditions/} itself
     * @param resolution    training size in pixels (square); 0 for the base model's native size
     * @param hintChannels  the hint network's stage widths; null for the published (16, 32, 96, 256)
     * @param init          a ControlNet (any layout {@link ControlNetFiles} reads) to continue from, or null to start from the UNet
     * @param promptDropout probability of replacing a caption by the empty prompt, in [0, 1]
     * @param saveDtype     precision of the final model's files (both layouts): float32 (null) or float16
     */
    public record Options(Path model, Path data, String condition, int resolution, List<Integer> hintChannels, Path init,
                          double promptDropout, DType saveDtype) {
        public Options {
            saveDtype = SaveDtype.check(saveDtype);
            if (model == null) throw new IllegalArgumentException("--model is required: the base pipeline folder or checkpoint");
            if (data == null) throw new IllegalArgumentException("--data is required: the training pairs");
            if (resolution < 0) throw new IllegalArgumentException("--resolution must be >= 0, got " + resolution);
            if (!(promptDropout >= 0 && promptDropout <= 1)) throw new IllegalArgumentException("--prompt-dropout must be within [0, 1], got " + promptDropout);
            if (hintChannels != null) {
                hintChannels = List.copyOf(hintChannels);
                if (hintChannels.isEmpty() || hintChannels.stream().anyMatch(c -> c < 1))
                    throw new IllegalArgumentException("--hint-channels must be positive widths, got " + hintChannels);
                if (init != null) throw new IllegalArgumentException("--hint-channels and --init exclude each other: the ControlNet given by --init has its own");
            }
        }

        /** Model and data with every other option at its default. */
        public static Options of(Path model, Path data) { return new Options(model, data, null, 0, null, null, DEFAULT_PROMPT_DROPOUT, DType.FP32); }

        public Options withCondition(String kind) { return new Options(model, data, kind, resolution, hintChannels, init, promptDropout, saveDtype); }
        public Options withResolution(int px) { return new Options(model, data, condition, px, hintChannels, init, promptDropout, saveDtype); }
        public Options withHintChannels(List<Integer> c) { return new Options(model, data, condition, resolution, c, init, promptDropout, saveDtype); }
        public Options withInit(Path p) { return new Options(model, data, condition, resolution, hintChannels, p, promptDropout, saveDtype); }
        public Options withPromptDropout(double r) { return new Options(model, data, condition, resolution, hintChannels, init, r, saveDtype); }
        public Options withSaveDtype(DType d) { return new Options(model, data, condition, resolution, hintChannels, init, promptDropout, d); }
    }

    /**
     * The outcome of a run.
     *
     * @param finalDir   OUT/final
     * @param steps      optimizer steps completed
     * @param lastLoss   the last step's loss
     * @param resumed    whether the run continued from a checkpoint
     * @param examples   training pairs
     * @param resolution training size in pixels
     * @param seconds    wall time of the whole call
     */
    public record Result(Path finalDir, long steps, double lastLoss, boolean resumed, int examples, int resolution, double seconds) {
        public String describe() {
            return String.format(Locale.ROOT, "controlnet: %d steps%s on %d pairs at %dx%d, last loss %.4f, %.0f s; final model in %s",
                    steps, resumed ? " (resumed)" : "", examples, resolution, resolution, lastLoss, seconds, finalDir);
        }
    }

    /**
     * Trains a ControlNet and writes {@code OUT/final}: {@link #prepare}, then {@link Session#run}.
     *
     * @param progress where the progress bar goes, or null for none
     * @throws IllegalArgumentException naming the file, flag or option at fault, before any step
     */
    public static Result train(RecipeRun run, Options o, PrintStream progress) {
        try (Session s = prepare(run, o, progress)) {
            return s.run();
        }
    }

    /**
     * Checks everything and loads the models, without training: the data (every file read, sizes
     * compared), then the base model (loaded unpacked in float32, every weight frozen), the
     * resolution, and the ControlNet (new from the UNet, or {@code --init}).
     *
     * @throws IllegalArgumentException naming the file, flag or option at fault
     */
    public static Session prepare(RecipeRun run, Options o, PrintStream progress) {
        long t0 = System.nanoTime();
        // 1. data: every file read and checked before the model is loaded
        PairDataset ds = dataset(o.data(), o.condition()).validate();
        if (!Files.exists(o.model())) throw new IllegalArgumentException("--model " + o.model() + ": no such file or folder");
        if (o.init() != null && !Files.exists(o.init())) throw new IllegalArgumentException("--init " + o.init() + ": no such file or folder");
        // 2. the locked base
        StableDiffusion sd = StableDiffusion.load(o.model(), LoadOptions.DEFAULT.withPack(false));
        try {
            UNet2DConditionModel unet = sd.unet();
            if (unet.config().inChannels() != sd.vae().config().latentChannels())
                throw new IllegalArgumentException("--model " + o.model() + ": a UNet with " + unet.config().inChannels()
                        + " input channels (inpainting); ControlNet training needs a plain text-to-image base");
            int size = o.resolution() > 0 ? o.resolution() : sd.nativeSize();
            if (size % sd.vaeScaleFactor() != 0)
                throw new IllegalArgumentException("--resolution " + size + " is not a multiple of the VAE's factor " + sd.vaeScaleFactor());
            for (Module m : List.of(unet, sd.vae(), sd.textEncoder())) freeze(m);
            // 3. the ControlNet, trained whole
            ControlNetModel cn = controlNet(sd, o, run.seed());
            try {
                return new Session(run, o, ds, size, sd, cn, progress, t0);
            } catch (RuntimeException e) {
                cn.close();
                throw e;
            }
        } catch (RuntimeException e) {
            sd.close();
            throw e;
        }
    }

    /** A prepared run: the locked base, the ControlNet and the trainer over the data. */
    public static final class Session implements AutoCloseable {
        private final RecipeRun run;
        private final Options options;
        private final PairDataset data;
        private final int size;
        private final StableDiffusion base;
        private final ControlNetModel controlNet;
        private final Trainer<ImageBatches.Batch> trainer;
        private final long t0;

        private Session(RecipeRun run, Options options, PairDataset data, int size, StableDiffusion base, ControlNetModel controlNet,
                        PrintStream progress, long t0) {
            this.run = run;
            this.options = options;
            this.data = data;
            this.size = size;
            this.base = base;
            this.controlNet = controlNet;
            this.t0 = t0;
            LatentCache cache = run.latentCache() == null ? null : new LatentCache(run.latentCache(), LatentCache.hash(base.vae()), size);
            VaeLatents latents = new VaeLatents(base.vae(), base.scalingFactor(), cache);
            Objective<ImageBatches.Batch> objective = objective(new DiffusionStep(base.unet(), base.scheduler()), controlNet,
                    PromptEncoder.of(base), latents::sample, options.promptDropout());
            Component comp = new Component("controlnet", controlNet, ParamSelector.ALL, Component.DIFFUSERS_WEIGHTS,
                    ConfigJson.toText(controlNet.config().toJson()));
            this.trainer = new Trainer<>(run.trainerConfig(NAME), List.of(comp), new ImageBatches(data, size), objective);
            if (progress != null) trainer.progressTo(progress);
        }

        /** The locked base model. */
        public StableDiffusion base() { return base; }

        /** The ControlNet being trained. */
        public ControlNetModel controlNet() { return controlNet; }

        public Trainer<ImageBatches.Batch> trainer() { return trainer; }

        /** Trains to the configured steps (resuming from the latest checkpoint if allowed) and writes {@code OUT/final}. */
        public Result run() {
            Trainer.Result r = trainer.run();
            Path fin = run.output().resolve("final");
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("easel_recipe", NAME);
            meta.put("base_model", options.model().toAbsolutePath().getFileName().toString());
            meta.put("steps", Long.toString(r.steps()));
            writeFinal(fin, controlNet, options.saveDtype(), meta);
            return new Result(fin, r.steps(), r.lastLoss(), r.resumed(), data.size(), size, (System.nanoTime() - t0) / 1e9);
        }

        @Override public void close() {
            trainer.close();
            controlNet.close();
            base.close();
        }
    }

    /** The latents of a batch, drawn from the step's generator. */
    @FunctionalInterface
    public interface LatentSampler {
        Tensor sample(ImageBatches.Batch batch, org.bytedeco.pytorch.Generator gen);
    }

    /**
     * The recipe's loss of one batch: text context with prompt dropout, latents, then the
     * denoising MSE with the ControlNet's residuals (conditioning scale 1) added to the locked UNet.
     */
    public static Objective<ImageBatches.Batch> objective(DiffusionStep step, ControlNetModel cn, PromptEncoder text, LatentSampler latents,
                                                          double promptDropout) {
        return (b, gen) -> {
            if (b.conditions() == null) throw new IllegalStateException("a batch without condition images");
            Tensor ctx = text.encode(b.captions(), promptDropout, gen);
            Tensor z = latents.sample(b, gen);
            Tensor cond = b.conditions();
            return step.compute(z, ctx, gen, (noisy, t, c) -> cn.forward(noisy, t, c, cond, 1.0, ControlNetModel.SoftWeights.NONE)).loss();
        };
    }

    /**
     * The training pairs: {@code conditions/<kind>/} of a folder when a kind is given, else
     * {@link PairDataset#open}; refused when they carry no condition images.
     */
    static PairDataset dataset(Path data, String condition) {
        if (!Files.exists(data)) throw new IllegalArgumentException("--data " + data + ": no such file or folder");
        if (condition != null) {
            if (!Files.isDirectory(data)) throw new IllegalArgumentException("--condition needs a dataset folder with conditions/" + condition + "/, got the file " + data);
            return PairDataset.folder(data, condition);
        }
        PairDataset ds = PairDataset.open(data);
        if (!ds.hasConditions()) {
            List<String> kinds = conditionKinds(data.resolve("conditions"));
            throw new IllegalArgumentException("--data " + data + ": no condition images"
                    + (kinds.isEmpty() ? " (expected prompt.json or a conditions/ folder)" : "; choose one with --condition (" + String.join(", ", kinds) + ")"));
        }
        return ds;
    }

    private static List<String> conditionKinds(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A new ControlNet from the UNet (hint network seeded from the run seed), or the one {@code --init} names, in float32. */
    static ControlNetModel controlNet(StableDiffusion sd, Options o, long seed) {
        UNet2DConditionModel unet = sd.unet();
        ControlNetModel cn;
        if (o.init() != null) {
            cn = ControlNetFiles.load(o.init(), unet.config(), ArchOverrides.NONE, DType.FP32, false);
        } else {
            List<Integer> hint = o.hintChannels() != null ? o.hintChannels() : ControlNetConfig.DEFAULT_HINT_CHANNELS;
            ControlNetConfig c = ControlNetConfig.of(unet.config(), 3, hint, ControlNetConfig.ChannelOrder.RGB, false);
            cn = ControlNetModel.fromUNet(unet, c, torch.createCPUGenerator(Seeds.derive(seed, INIT_STREAM, 0)));
        }
        int factor = 1 << (cn.config().conditioningEmbeddingOutChannels().size() - 1);
        if (factor != sd.vaeScaleFactor()) {
            cn.close();
            throw new IllegalArgumentException((o.init() != null ? "--init " + o.init() : "--hint-channels " + o.hintChannels()) + ": a hint network of "
                    + cn.config().conditioningEmbeddingOutChannels().size() + " stages shrinks the condition " + factor
                    + "x, but the VAE's latents are " + sd.vaeScaleFactor() + "x smaller than the image");
        }
        return cn;
    }

    /** Stops gradients at a frozen model's weights (they still flow through its activations). */
    static void freeze(Module m) {
        for (Param p : m.parameters().values()) if (p.isSet()) p.get().requires_grad_(false);
    }

    /**
     * Writes a ControlNet as a diffusers folder ({@code config.json},
     * {@code diffusion_pytorch_model.safetensors}) plus {@link #ORIGINAL_FILE} in the original
     * layout, both in {@code dtype} (null for float32); the folder appears complete (written beside
     * it, then renamed), replacing an older one.
     */
    public static void writeFinal(Path dir, ControlNetModel cn, DType dtype, Map<String, String> metadata) {
        FinalFolder.replace(dir, tmp -> {
            try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
                Map<String, Tensor> state = Export.convert(Export.stateDict(cn), dtype);
                Files.writeString(tmp.resolve("config.json"), ConfigJson.toText(cn.config().toJson()), StandardCharsets.UTF_8);
                Export.writeComponent(tmp.resolve(Component.DIFFUSERS_WEIGHTS), state, metadata);
                Export.writeControlNetOriginal(tmp.resolve(ORIGINAL_FILE), state, metadata);
            }
        });
    }
}
