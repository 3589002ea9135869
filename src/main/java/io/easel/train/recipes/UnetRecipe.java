package io.easel.train.recipes;

import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.pipeline.ComponentFiles;
import io.easel.pipeline.ModelWriter;
import io.easel.pipeline.StableDiffusion;
import io.easel.pipeline.TextConditioning;
import io.easel.sampling.SchedulerConfig;
import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.tensor.DType;
import io.easel.text.ClipTokenizer;
import io.easel.train.BatchSource;
import io.easel.train.Component;
import io.easel.train.DiffusionStep;
import io.easel.train.Ema;
import io.easel.train.ParamSelector;
import io.easel.train.Seeds;
import io.easel.train.Trainer;
import io.easel.train.data.Example;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.LatentCache;
import io.easel.train.data.PairDataset;
import io.easel.weights.Family;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Text-to-image training of a UNet, from scratch or fine-tuning, as diffusers'
 * {@code train_text_to_image.py} does it: the VAE and the text encoder are frozen; each step
 * encodes the images to latents ({@code vae.encode(x).latent_dist.sample() * scaling_factor}),
 * drops captions to "" with probability {@code captionDropout} (what classifier-free guidance
 * needs: the model also learns the unconditional prediction), encodes them with the tokenizer
 * and padding generation uses ({@link TextConditioning}), and minimises {@link DiffusionStep}'s
 * loss. The run ends with a complete diffusers pipeline in {@code OUT/final} that
 * {@code easel generate} reads, and the LDM single file {@code OUT/final.safetensors} when that
 * layout can describe the model (see {@link #singleFileProblem}).
 *
 * <p>Random draws per micro-batch, all from the trainer's generator, in this order: the
 * caption-dropout draws (one per caption, whatever the rate), the latent sample, the noise, the
 * timesteps; the ControlNet recipe draws in the same order through the same code
 * ({@link PromptEncoder}, {@link VaeLatents}).
 */
public final class UnetRecipe implements AutoCloseable {
    /** The recipe's name in checkpoints. */
    public static final String NAME = "unet";
    public static final long DEFAULT_STEPS = 20_000;
    public static final int DEFAULT_BATCH = 32;
    /** From scratch: a tiny UNet learns faster at a larger rate, which needs the warm-up to stay stable. */
    public static final double DEFAULT_LR_SCRATCH = 5e-4;
    public static final long DEFAULT_WARMUP_SCRATCH = 500;
    /** Fine-tuning: diffusers' train_text_to_image.py default, no warm-up. */
    public static final double DEFAULT_LR_FINETUNE = 1e-4;
    public static final long DEFAULT_WARMUP_FINETUNE = 0;
    public static final long DEFAULT_CHECKPOINT_EVERY = 1000;
    public static final double DEFAULT_CAPTION_DROPOUT = 0.1;
    /** The default family's UNet {@code sample_size}: 16x16 latents, 64-pixel images with the family's f=4 VAE. */
    public static final int PRESET_SAMPLE_SIZE = 16;
    /** Seed stream of a from-scratch UNet's initial weights (the trainer uses streams 1 and 2). */
    static final long INIT_STREAM = 3;

    /**
     * What to train on and from.
     *
     * @param data           a {@link PairDataset}: images/ + captions.txt folder, or prompt.json
     * @param model          a diffusers pipeline folder (its VAE, text encoder, tokenizer and scheduler
     *                       config; its UNet is fine-tuned unless {@code fromScratch}), or null
     * @param vae            a diffusers VAE folder (with {@code model} null)
     * @param textEncoder    a transformers CLIPTextModel folder (with {@code model} null)
     * @param unetConfig     a UNet config.json for a from-scratch UNet, or null: the base UNet's
     *                       architecture with {@code model}, else {@link #preset}
     * @param fromScratch    with {@code model}: start from fresh weights instead of its UNet
     * @param prediction     epsilon or v_prediction; null for the base scheduler's (epsilon without one)
     * @param captionDropout probability of training a caption as "", in [0, 1]
     * @param resolution     training size in pixels; 0 for the UNet's sample_size times the VAE factor
     * @param emaDecay       EMA of the UNet's weights up to this decay, saved instead of the weights; 0 for none
     * @param saveDtype      precision of the final model's files; null for float32
     * @param trainTextEncoder train the text encoder too (all its parameters, the UNet's learning rate),
     *                       as diffusers' DreamBooth script's {@code --train_text_encoder}; OUT/final holds it
     * @param snrGamma       Min-SNR-gamma loss weighting ({@link DiffusionStep}), 0 for the plain mean
     * @param zeroTerminalSnr train on the base schedule rescaled to zero terminal SNR, with v-prediction and
     *                       trailing timesteps ({@link SchedulerConfig#withZeroTerminalSnr}); written to OUT/final's scheduler
     */
    public record Settings(Path data, Path model, Path vae, Path textEncoder, Path unetConfig, boolean fromScratch,
                           PredictionType prediction, double captionDropout, int resolution, double emaDecay, DType saveDtype,
                           boolean trainTextEncoder, double snrGamma, boolean zeroTerminalSnr) {
        /** Without zero-terminal-SNR rescaling (the base's schedule as it is). */
        public Settings(Path data, Path model, Path vae, Path textEncoder, Path unetConfig, boolean fromScratch,
                        PredictionType prediction, double captionDropout, int resolution, double emaDecay, DType saveDtype,
                        boolean trainTextEncoder, double snrGamma) {
            this(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype,
                    trainTextEncoder, snrGamma, false);
        }

        public Settings {
            if (zeroTerminalSnr && prediction == PredictionType.EPSILON)
                throw new IllegalArgumentException("--zero-terminal-snr needs v_prediction (at zero SNR the noise is the input itself): drop --prediction epsilon");
            if (!(snrGamma >= 0)) throw new IllegalArgumentException("--snr-gamma must be 0 (off) or positive, got " + snrGamma);
            if (data == null) throw new IllegalArgumentException("--data is required");
            if (model != null && (vae != null || textEncoder != null))
                throw new IllegalArgumentException("give either --model or --vae with --text-encoder, not both");
            if (model == null && (vae == null || textEncoder == null))
                throw new IllegalArgumentException("give --model PIPELINE, or both --vae DIR and --text-encoder DIR");
            if (model != null && !fromScratch && unetConfig != null)
                throw new IllegalArgumentException("--unet-config applies to a UNet trained from scratch: add --from-scratch, or drop --unet-config to fine-tune " + model);
            if (!(captionDropout >= 0 && captionDropout <= 1)) throw new IllegalArgumentException("--caption-dropout must be within [0, 1], got " + captionDropout);
            if (resolution < 0) throw new IllegalArgumentException("--resolution must be positive, got " + resolution);
            if (!(emaDecay == 0 || (emaDecay > 0 && emaDecay < 1))) throw new IllegalArgumentException("--ema-decay must be 0 (off) or within (0, 1), got " + emaDecay);
        }

        /** Whether the UNet starts from fresh weights. */
        public boolean trainsFromScratch() { return model == null || fromScratch; }

        /** Defaults: from scratch on component folders, epsilon, 10% caption dropout, no EMA, float32. */
        public static Settings components(Path data, Path vae, Path textEncoder) {
            return new Settings(data, null, vae, textEncoder, null, false, null, DEFAULT_CAPTION_DROPOUT, 0, 0, null, false, 0);
        }

        /** Defaults: fine-tuning the pipeline's UNet. */
        public static Settings fineTune(Path data, Path model) {
            return new Settings(data, model, null, null, null, false, null, DEFAULT_CAPTION_DROPOUT, 0, 0, null, false, 0);
        }

        public Settings withCaptionDropout(double p) {
            return new Settings(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, p, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
        }

        public Settings withUnetConfig(Path json) {
            return new Settings(data, model, vae, textEncoder, json, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
        }

        public Settings withPrediction(PredictionType p) {
            return new Settings(data, model, vae, textEncoder, unetConfig, fromScratch, p, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
        }

        public Settings withTextEncoderTraining(boolean on) {
            return new Settings(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, on, snrGamma, zeroTerminalSnr);
        }

        public Settings withSnrGamma(double gamma) {
            return new Settings(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, gamma, zeroTerminalSnr);
        }

        public Settings withZeroTerminalSnr(boolean on) {
            return new Settings(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, emaDecay, saveDtype, trainTextEncoder, snrGamma, on);
        }

        public Settings withEmaDecay(double d) {
            return new Settings(data, model, vae, textEncoder, unetConfig, fromScratch, prediction, captionDropout, resolution, d, saveDtype, trainTextEncoder, snrGamma, zeroTerminalSnr);
        }
    }

    /**
     * The default family's UNet: 64-pixel images (16x16 latents of an f=4, 4-channel VAE), three
     * levels of 64/96/96 channels with cross-attention in the first two, one ResNet per level,
     * 4 heads, 32 norm groups (3.7 M parameters, so that the UNet and three ControlNets fit the
     * bundled family's 40 MB in fp16); {@code crossAttentionDim} is the text encoder's width.
     */
    public static UNet2DConditionConfig preset(int crossAttentionDim, int latentChannels) {
        return new UNet2DConditionConfig(latentChannels, latentChannels, List.of(64, 96, 96), 1, crossAttentionDim, List.of(4, 4, 4),
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"), 32, 1e-5, false, false, true, 0);
    }

    /** The outcome of a run. */
    public record Result(long steps, double lastLoss, boolean resumed, Path finalModel, Path singleFile, int resolution,
                         PredictionType prediction, long unetParameters, double seconds, List<String> notes) {
        /** A few lines for the terminal. */
        public String describe() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(java.util.Locale.ROOT, "unet: %d steps%s, last loss %.4f, %.1f M parameters, %d px, %s, %.0f s%n",
                    steps, resumed ? " (resumed)" : "", lastLoss, unetParameters / 1e6, resolution, prediction.jsonName, seconds));
            b.append("final model: ").append(finalModel);
            if (singleFile != null) b.append(System.lineSeparator()).append("single file: ").append(singleFile);
            for (String n : notes) b.append(System.lineSeparator()).append("note: ").append(n);
            return b.toString();
        }
    }

    private final Settings settings;
    private final RecipeRun run;
    private final ClipTokenizer tokenizer;
    private final CLIPTextModel textEncoder;
    private final AutoencoderKL vae;
    private final UNet2DConditionModel unet;
    private final UNet2DConditionModel emaUnet;
    private final CLIPTextModel emaTextEncoder;
    private final SchedulerConfig scheduler;
    private final int resolution;
    private final TextToImageObjective objective;
    private final Trainer<List<Example>> trainer;
    private final List<String> notes = new ArrayList<>();

    private UnetRecipe(Settings s, RecipeRun run, ClipTokenizer tok, CLIPTextModel te, AutoencoderKL vae, UNet2DConditionModel unet,
                       SchedulerConfig scheduler, int resolution, PairDataset data) {
        this.settings = s;
        this.run = run;
        this.tokenizer = tok;
        this.textEncoder = te;
        this.vae = vae;
        this.unet = unet;
        this.scheduler = scheduler;
        this.resolution = resolution;
        ImageBatches images = new ImageBatches(data, resolution);
        LatentCache cache = run.latentCache() == null ? null : new LatentCache(run.latentCache(), LatentCache.hash(vae), resolution);
        PromptEncoder text = new PromptEncoder(tok, TextConditioning.padding(TextConditioning.family(unet.config())), te, s.trainTextEncoder());
        this.objective = new TextToImageObjective(new DiffusionStep(unet, scheduler, scheduler.predictionType(), s.snrGamma()), images, new VaeLatents(vae, cache), text, s.captionDropout());
        String unetJson = ConfigJson.toText(unetJson(unet.config(), resolution / vae.config().scaleFactor()));
        List<Component> comps = new ArrayList<>();
        comps.add(Component.of("unet", unet, ParamSelector.ALL).withConfig(unetJson));
        if (s.trainTextEncoder())
            comps.add(new Component("text_encoder", te, ParamSelector.ALL, "model.safetensors", ConfigJson.toText(te.config().toJson())));
        this.emaUnet = s.emaDecay() > 0 ? new UNet2DConditionModel(unet.config()) : null;
        if (emaUnet != null) comps.add(Component.of("unet_ema", emaUnet, ParamSelector.NONE).withConfig(unetJson));
        // a trained text encoder is averaged with the UNet: the saved pair then comes from the same steps
        this.emaTextEncoder = emaUnet != null && s.trainTextEncoder() ? new CLIPTextModel(te.config()) : null;
        if (emaTextEncoder != null)
            comps.add(new Component("text_encoder_ema", emaTextEncoder, ParamSelector.NONE, "model.safetensors", ConfigJson.toText(te.config().toJson())));
        this.trainer = new Trainer<>(run.trainerConfig(NAME), comps, examples(images), objective);
        if (emaUnet != null) {
            Ema ema = new Ema(unet, emaUnet, s.emaDecay());
            Ema emaText = emaTextEncoder != null ? new Ema(te, emaTextEncoder, s.emaDecay()) : null;
            trainer.onStep(r -> {
                ema.update(r.step());
                if (emaText != null) emaText.update(r.step());
            });
        }
    }

    /**
     * Loads and checks everything a run needs, before any training step: the dataset (every file
     * read), the frozen models, the UNet (loaded or initialised from the run seed) and its fit to
     * the text encoder and VAE.
     *
     * @throws IllegalArgumentException one line naming the flag or file at fault
     */
    public static UnetRecipe prepare(Settings s, RecipeRun run) {
        PairDataset data = openDataset(s.data());
        Path base = s.model();
        if (base != null && !Files.isRegularFile(base.resolve("model_index.json")))
            throw new IllegalArgumentException("--model " + base + ": not a diffusers pipeline folder (no model_index.json)");
        Path vaeDir = base != null ? base.resolve("vae") : s.vae();
        Path textDir = base != null ? base.resolve("text_encoder") : s.textEncoder();
        requireComponent(base != null ? "--model" : "--vae", vaeDir);
        requireComponent(base != null ? "--model" : "--text-encoder", textDir);
        if (s.unetConfig() != null && !Files.isRegularFile(s.unetConfig()))
            throw new IllegalArgumentException("--unet-config " + s.unetConfig() + ": no such file");

        ClipTokenizer tok = base != null ? StableDiffusion.folderTokenizer(base) : ClipTokenizer.bundled();
        CLIPTextModel te = null;
        AutoencoderKL vae = null;
        UNet2DConditionModel unet = null;
        try {
            te = ComponentFiles.textEncoder(textDir, DType.FP32);
            vae = ComponentFiles.vae(vaeDir, DType.FP32);
            if (tok.vocabSize() > te.config().vocabSize())
                throw new IllegalArgumentException(textDir + ": the text encoder has " + te.config().vocabSize() + " token embeddings, fewer than the tokenizer's "
                        + tok.vocabSize() + " ids");
            int latentChannels = vae.config().latentChannels();
            int factor = vae.config().scaleFactor();

            // 1. the UNet's architecture and training size
            UNet2DConditionConfig cfg;
            int sampleSize;
            String cfgWhere;
            if (s.unetConfig() != null) {
                ConfigJson j = ConfigJson.read(s.unetConfig());
                cfg = UNet2DConditionConfig.fromJson(j);
                sampleSize = j.getInt("sample_size", PRESET_SAMPLE_SIZE);
                cfgWhere = "--unet-config " + s.unetConfig();
            } else if (base != null) {
                Path f = base.resolve("unet").resolve("config.json");
                if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--model " + base + ": missing unet/config.json");
                ConfigJson j = ConfigJson.read(f);
                cfg = UNet2DConditionConfig.fromJson(j);
                sampleSize = j.getInt("sample_size", 64);
                cfgWhere = f.toString();
            } else {
                cfg = preset(te.config().hiddenSize(), latentChannels);
                sampleSize = PRESET_SAMPLE_SIZE;
                cfgWhere = "the default-family preset";
            }
            Path textCfg = textDir.resolve("config.json");
            if (cfg.crossAttentionDim() != te.config().hiddenSize())
                throw new IllegalArgumentException(cfgWhere + ": cross_attention_dim " + cfg.crossAttentionDim() + " does not match the text encoder's width (hidden_size "
                        + te.config().hiddenSize() + " in " + textCfg + ")");
            if (cfg.inChannels() != latentChannels || cfg.outChannels() != latentChannels)
                throw new IllegalArgumentException(cfgWhere + ": in_channels " + cfg.inChannels() + " / out_channels " + cfg.outChannels()
                        + " do not match the VAE's latent_channels " + latentChannels + " (" + vaeDir.resolve("config.json") + ")");
            int res = s.resolution() > 0 ? s.resolution() : sampleSize * factor;
            int halvings = 1 << (cfg.blockOutChannels().size() - 1);
            if (res % (factor * halvings) != 0)
                throw new IllegalArgumentException((s.resolution() > 0 ? "--resolution " : "the training size ") + res + " must be a multiple of "
                        + factor * halvings + " (the VAE's factor " + factor + " times the UNet's " + halvings + "x downsampling)");

            // 2. the UNet: the base's weights, or fresh ones from the run seed
            if (s.trainsFromScratch()) {
                unet = new UNet2DConditionModel(cfg);
                unet.init(torch.createCPUGenerator(Seeds.derive(run.seed(), INIT_STREAM, 0)), DType.FP32);
            } else {
                unet = ComponentFiles.unet(base.resolve("unet"), DType.FP32);
            }

            // 3. the noise schedule: the base's scheduler config, else SD's
            SchedulerConfig sched = base != null ? StableDiffusion.folderScheduler(base) : SchedulerConfig.SD15;
            if (s.prediction() != null) sched = sched.withPredictionType(s.prediction());
            if (s.zeroTerminalSnr()) sched = sched.withZeroTerminalSnr();
            if (sched.rescaleBetasZeroSnr() && sched.predictionType() == PredictionType.EPSILON)
                throw new IllegalArgumentException(base.resolve("scheduler") + ": rescale_betas_zero_snr=true needs v_prediction "
                        + "(at zero SNR the noise is the input itself); add --prediction v_prediction");
            return new UnetRecipe(s, run, tok, te, vae, unet, sched, res, data);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[]{te, vae, unet}) closeQuietly(c);
            throw e;
        }
    }

    /** Trains to the run's step count, then writes {@code OUT/final} (and {@code OUT/final.safetensors}). */
    public Result run() {
        long t0 = System.nanoTime();
        Trainer.Result r = trainer.run();
        VaeLatents latents = objective.latents();
        if (latents.cacheMisses() > 0 || latents.cacheHits() > 0)
            notes.add("latent cache: " + latents.cacheHits() + " hits, " + latents.cacheMisses() + " encoded");
        Path out = run.output();
        Path fin = out.resolve("final"), single = out.resolve("final.safetensors");
        UNet2DConditionModel saved = emaUnet != null ? emaUnet : unet;
        CLIPTextModel savedText = emaTextEncoder != null ? emaTextEncoder : textEncoder;
        Family family = TextConditioning.family(saved.config());
        ModelWriter.Components c = new ModelWriter.Components(family, tokenizer, savedText, saved, vae, scheduler);
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            // written beside OUT/final and renamed into place, as the other recipes do: a failed write keeps the old one
            FinalFolder.replace(fin, tmp -> ModelWriter.saveDiffusersFolder(tmp, c, settings.saveDtype(), resolution));
            Files.deleteIfExists(single);
            String problem = singleFileProblem(saved.config(), vae.config(), family, scheduler);
            if (problem == null) {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("easel_recipe", NAME);
                meta.put("easel_resolution", Integer.toString(resolution));
                meta.put("prediction_type", scheduler.predictionType().jsonName);
                // Head counts are not in the tensors' shapes: loaders need them (--unet-heads, --text-encoder-heads).
                meta.put("unet_attention_head_dim", saved.config().attentionHeadDim().toString());
                meta.put("text_encoder_heads", Integer.toString(textEncoder.config().numAttentionHeads()));
                ModelWriter.saveSingleFile(single, c, settings.saveDtype(), meta);
                if (!conventionalHeads(saved.config(), textEncoder))
                    notes.add("the single file needs --unet-heads " + join(saved.config().attentionHeadDim()) + " --text-encoder-heads "
                            + textEncoder.config().numAttentionHeads() + " and --width/--height " + resolution + " to load as trained; the folder needs nothing");
            } else {
                single = null;
                notes.add("no single file: " + problem + "; the folder holds the whole model");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(fin + ": cannot replace (" + e.getMessage() + ")", e);
        }
        return new Result(r.steps(), r.lastLoss(), r.resumed(), fin, single, resolution, scheduler.predictionType(), unet.parameterCount(),
                (System.nanoTime() - t0) / 1e9, List.copyOf(notes));
    }

    /** The trainer, for listeners and tests. */
    public Trainer<List<Example>> trainer() { return trainer; }

    /** The objective, for tests that inspect what a step trains on. */
    public TextToImageObjective objective() { return objective; }

    /** The UNet being trained (its parameters are the live training tensors). */
    public UNet2DConditionModel unet() { return unet; }

    /** The noise schedule trained with and written to {@code final/scheduler/}, prediction type included. */
    public SchedulerConfig scheduler() { return scheduler; }

    /** The training size in pixels: the final model's native size. */
    public int resolution() { return resolution; }

    @Override public void close() {
        trainer.close();
        for (AutoCloseable c : new AutoCloseable[]{emaUnet, emaTextEncoder, unet, vae, textEncoder}) closeQuietly(c);
    }

    // ---- helpers

    /** The examples in index order; the objective reads their images (or cached latents) itself. */
    private static BatchSource<List<Example>> examples(ImageBatches images) {
        PairDataset d = images.dataset();
        return new BatchSource<>() {
            @Override public int size() { return d.size(); }

            @Override public List<Example> batch(int[] indices) {
                List<Example> out = new ArrayList<>(indices.length);
                for (int i : indices) out.add(d.get(i));
                return out;
            }

            @Override public String fingerprint() { return images.fingerprint(); }
        };
    }

    /** An images/ + captions.txt folder (conditions ignored), else whatever {@link PairDataset#open} reads; every file checked. */
    static PairDataset openDataset(Path p) { return RecipeData.imagesAndCaptions(p, "--data"); }

    private static void requireComponent(String flag, Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(flag + " " + dir + ": no such folder");
        if (!Files.isRegularFile(dir.resolve("config.json"))) throw new IllegalArgumentException(flag + " " + dir + ": no config.json (expected a diffusers/transformers component folder)");
    }

    /** unet/config.json as a checkpoint stores it: diffusers' keys and the training size in latents. */
    static com.fasterxml.jackson.databind.node.ObjectNode unetJson(UNet2DConditionConfig c, int sampleSize) {
        var o = c.toJson();
        o.put("sample_size", sampleSize);
        return o;
    }

    /**
     * Why an LDM single file would not reproduce the model, or null when it would: the layout
     * has no config, so loaders assume SD1's GroupNorm groups (32) and VAE scaling factor
     * (0.18215) and SD's unrescaled noise schedule, and ModelWriter refuses SD2 text encoders.
     * (Head counts are not assumed: the loaders take them as options.)
     */
    static String singleFileProblem(UNet2DConditionConfig unet, io.easel.models.vae.AutoencoderKLConfig vae, Family family,
                                    SchedulerConfig scheduler) {
        if (family != Family.SD1) return "LDM single files of SD2-family models are not written";
        if (scheduler.rescaleBetasZeroSnr()) return "the LDM single-file layout cannot say that the schedule is rescaled to zero terminal SNR";
        if (unet.normNumGroups() != 32) return "the UNet's norm_num_groups " + unet.normNumGroups() + " is not the 32 single-file loaders assume";
        if (vae.normNumGroups() != 32) return "the VAE's norm_num_groups " + vae.normNumGroups() + " is not the 32 single-file loaders assume";
        if (vae.scalingFactor() != 0.18215) return "the VAE's scaling_factor " + vae.scalingFactor() + " is not the 0.18215 single-file loaders assume";
        return null;
    }

    /** Whether single-file loaders would guess the head counts right (SD1: 8 per UNet block, width/64 in CLIP). */
    private static boolean conventionalHeads(UNet2DConditionConfig u, CLIPTextModel te) {
        return u.attentionHeadDim().stream().allMatch(h -> h == 8) && te.config().hiddenSize() % 64 == 0
                && te.config().numAttentionHeads() == te.config().hiddenSize() / 64;
    }

    private static String join(List<Integer> xs) {
        return String.join(",", xs.stream().map(String::valueOf).toList());
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try { c.close(); } catch (Exception ignored) { }
    }
}
