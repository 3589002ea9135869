package io.easel.train.recipes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.annotators.Image;
import io.easel.annotators.Images;
import io.easel.models.ConfigJson;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.pipeline.ComponentFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.train.BatchSource;
import io.easel.train.Component;
import io.easel.train.Objective;
import io.easel.train.ParamSelector;
import io.easel.train.Seeds;
import io.easel.train.Trainer;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.PairDataset;
import io.easel.weights.Export;
import io.easel.weights.SafeTensors;
import io.easel.weights.WeightsException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code easel train vae}: a KL autoencoder (diffusers {@link AutoencoderKL}) trained from scratch,
 * or from an existing VAE, on a dataset's images.
 *
 * <p>The loss per micro-batch is LDM's {@code LPIPSWithDiscriminator} without its perceptual and
 * adversarial terms (no pretrained LPIPS network is available offline, and the GAN only pays off
 * with it and far longer runs):
 * <pre>
 *   z    = posterior.sample(gen)                           (reparameterised, gen from the trainer)
 *   loss = mean|decode(z) - x|  +  klWeight * mean(KL(q(z|x) || N(0, I)))
 *   KL   = 0.5 * (mu^2 + exp(logvar) - 1 - logvar)         per latent element
 * </pre>
 * Both terms are means (per pixel value and per latent value). LDM sums both per image instead,
 * so with an 8x downsampling VAE of 4 latent channels (SD's) its weight {@code w} corresponds to
 * {@code w * 4 / (3 * 64) = w / 48} here: the default {@code 1e-6} regularises 48x more
 * strongly, relative to the reconstruction term, than LDM's {@code kl_weight: 1e-6}; it still
 * only keeps the latents bounded, which is why the scale is measured afterwards.
 *
 * <p>At the end it measures the latent scale as LDM's {@code scale_by_std} does ({@code 1 / std}
 * of posterior samples, here over {@code scaleImages} training images spread over the dataset)
 * and writes it as {@code scaling_factor}, so that the pipeline's latents have unit variance;
 * then it reports reconstruction metrics on the held-out images and writes
 * <pre>
 * OUT/final/vae/config.json                               diffusers AutoencoderKL config
 * OUT/final/vae/diffusion_pytorch_model.safetensors       weights under the diffusers keys
 * OUT/final/metrics.json                                  scaling factor, held-out PSNR / MAE, last losses
 * OUT/final/reconstructions.png                           held-out images (top) and reconstructions (bottom)
 * </pre>
 */
public final class VaeRecipe {
    /** The recipe's name, recorded in checkpoints. */
    public static final String NAME = "vae";
    public static final long DEFAULT_STEPS = 2000;
    public static final int DEFAULT_BATCH = 16;
    /** AdamW base rate: far above LDM's 4.5e-6 * batch, which is tuned for 80M-parameter VAEs with a GAN. */
    public static final double DEFAULT_LR = 5e-4;
    public static final long DEFAULT_CHECKPOINT_EVERY = 500;
    public static final double DEFAULT_KL_WEIGHT = 1e-6;
    public static final int DEFAULT_RESOLUTION = 64;
    public static final int DEFAULT_EVAL_IMAGES = 500;
    public static final int DEFAULT_SCALE_IMAGES = 512;

    /**
     * The default family's VAE: SD's blocks (4 latent channels, mid-block attention) at 1/8 of
     * SD's widths, three levels ([16,32,64]: 4x downsampling, 16x16 latents for 64-px scenes), one
     * resnet per level, 8 norm groups. With four levels (8x, SD's factor) the same widths decoded
     * every small object in one of two hues after 2000-2600 steps (holdout PSNR 20 dB); three
     * levels reproduced colours and shapes after 1000 steps (PSNR 24.9 dB). Sized to the CPU: one
     * step at batch 16 and 64 px took 2.2 s of single-thread CPU time at [32,64,128,128], 0.65 s
     * at [16,32,64,64] (the 64 px level dominates). {@code scaling_factor} is measured by the recipe.
     */
    public static final AutoencoderKLConfig DEFAULT_FAMILY =
            new AutoencoderKLConfig(3, 3, 4, List.of(16, 32, 64), 1, 8, 1.0, true, true, true);

    // Derived-seed streams of this recipe (the trainer uses 1 and 2).
    private static final long INIT_STREAM = 100, SCALE_STREAM = 101;
    private static final int CHUNK = 32;
    private static final int SHEET_IMAGES = 16;

    private VaeRecipe() {}

    /**
     * The recipe's own settings.
     *
     * @param data        the training dataset (see {@link PairDataset#open}); only its images are used
     * @param holdout     the held-out dataset for the metrics; null for {@code data/holdout} when it
     *                    exists, else the first {@code evalImages} training images (reported as such)
     * @param config      a diffusers vae {@code config.json} for the architecture; null for
     *                    {@link #DEFAULT_FAMILY} (or the {@code init} model's own)
     * @param init        a diffusers VAE folder (or pipeline folder) to start from; null to start
     *                    from PyTorch's default initialisation
     * @param resolution  training size in pixels (images are resized and centre-cropped)
     * @param klWeight    weight of the mean KL term
     * @param saveDtype   precision of the final weights file
     * @param evalImages  held-out images measured at the end (at most)
     * @param scaleImages training images whose latents set the scaling factor (at most)
     */
    public record Options(Path data, Path holdout, Path config, Path init, int resolution, double klWeight, DType saveDtype,
                          int evalImages, int scaleImages) {
        public Options {
            if (data == null) throw new IllegalArgumentException("--data is required");
            if (config != null && init != null)
                throw new IllegalArgumentException("--config and --init both set the architecture; give one (--init uses its own config.json)");
            if (resolution < 8) throw new IllegalArgumentException("--resolution must be at least 8, got " + resolution);
            if (!(klWeight >= 0)) throw new IllegalArgumentException("--kl-weight must be >= 0, got " + klWeight);
            saveDtype = SaveDtype.check(saveDtype);
            if (evalImages < 1) throw new IllegalArgumentException("--eval-images must be at least 1, got " + evalImages);
            if (scaleImages < 2) throw new IllegalArgumentException("--scale-images must be at least 2, got " + scaleImages);
        }

        /** The defaults for a dataset. */
        public static Options defaults(Path data) {
            return new Options(data, null, null, null, DEFAULT_RESOLUTION, DEFAULT_KL_WEIGHT, DType.FP32, DEFAULT_EVAL_IMAGES, DEFAULT_SCALE_IMAGES);
        }
    }

    /** Reconstruction quality on {@code images} images of {@code split} ("holdout" or "train"). */
    public record Metrics(String split, int images, double psnr, double mae) {}

    /**
     * What a run produced.
     *
     * @param finalDir      {@code OUT/final}
     * @param steps         optimizer steps completed
     * @param resumed       whether it continued from a checkpoint
     * @param lastLoss      the last step's loss
     * @param lastL1        the last micro-batch's reconstruction term
     * @param lastKl        the last micro-batch's mean KL (unweighted); NaN when no step ran in this process
     * @param scalingFactor the measured latent scale written to config.json
     * @param metrics       reconstruction metrics
     * @param parameters    the VAE's parameter count
     */
    public record Result(Path finalDir, long steps, boolean resumed, double lastLoss, double lastL1, double lastKl,
                         double scalingFactor, Metrics metrics, long parameters) {}

    /**
     * Checks the data and settings, trains (resuming from the latest checkpoint unless
     * {@code run.resume()} is off), measures the scale and writes {@code OUT/final}.
     *
     * @throws IllegalArgumentException for bad data or settings, before any training step
     */
    public static Result run(Options o, RecipeRun run) {
        // 1. data: every file decoded once before training
        PairDataset train = PairDataset.open(o.data()).validate();
        PairDataset held = holdout(o);
        if (held != null) held.validate();
        ImageBatches trainImages = new ImageBatches(train, o.resolution());

        // 2. model
        try (AutoencoderKL vae = model(o, run.seed())) {
            ObjectNode cfgJson = configJson(vae.config(), o.resolution(), vae.config().scalingFactor());
            Component comp = Component.of("vae", vae, ParamSelector.ALL).withConfig(ConfigJson.toText(cfgJson));

            // 3. train
            Loss loss = new Loss(vae, o.klWeight());
            Trainer.Result r;
            try (Trainer<Tensor> t = new Trainer<>(run.trainerConfig(NAME), List.of(comp), new ImagesOnly(trainImages), loss)) {
                r = t.run();
            }

            // 4. scale, metrics, export
            try (NoGradGuard g = new NoGradGuard()) {
                double scale = scalingFactor(vae, trainImages, o.scaleImages(), run.seed());
                Evaluation ev = held != null ? evaluate(vae, new ImageBatches(held, o.resolution()), "holdout", o.evalImages())
                        : evaluate(vae, trainImages, "train", o.evalImages());
                Result res = new Result(run.output().resolve("final"), r.steps(), r.resumed(), r.lastLoss(), loss.lastL1, loss.lastKl, scale,
                        ev.metrics(), vae.parameterCount());
                writeFinal(run.output(), vae, configJson(vae.config(), o.resolution(), scale), o, res, ev.sheet());
                return res;
            }
        }
    }

    /** The training loss: L1 reconstruction of a posterior sample plus the weighted mean KL. */
    static final class Loss implements Objective<Tensor> {
        private final AutoencoderKL vae;
        private final double klWeight;
        double lastL1 = Double.NaN, lastKl = Double.NaN;

        Loss(AutoencoderKL vae, double klWeight) {
            this.vae = vae;
            this.klWeight = klWeight;
        }

        // x: [N,3,S,S] in [-1,1] -> scalar
        @Override public Tensor loss(Tensor x, Generator gen) {
            AutoencoderKL.Posterior p = vae.encode(x);
            Tensor rec = vae.decode(p.sample(gen));
            Tensor l1 = torch.abs(rec.sub(x)).mean();
            Tensor kl = meanKl(p);
            lastL1 = l1.item().toDouble();
            lastKl = kl.item().toDouble();
            return l1.add(kl.mul(T.s(klWeight)));
        }
    }

    /** The mean over latent elements of KL(N(mu, exp(logvar)) || N(0, 1)). */
    static Tensor meanKl(AutoencoderKL.Posterior p) {
        Tensor mu = p.mean(), logvar = p.logvar();
        return mu.mul(mu).add(torch.exp(logvar)).sub(T.s(1.0)).sub(logvar).mul(T.s(0.5)).mean();
    }

    /** The training images alone (a ControlNet dataset's conditions are not read). */
    private static final class ImagesOnly implements BatchSource<Tensor> {
        private final ImageBatches images;

        ImagesOnly(ImageBatches images) { this.images = images; }

        @Override public int size() { return images.size(); }

        @Override public String fingerprint() { return images.fingerprint(); }

        // -> [B,3,S,S] in [-1,1]
        @Override public Tensor batch(int[] indices) { return rows(images, indices); }
    }

    private static Tensor rows(ImageBatches images, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        for (int i : indices) out.add(images.image(images.dataset().get(i)));
        return T.cat(out, 0);
    }

    private static PairDataset holdout(Options o) {
        if (o.holdout() != null) {
            try {
                return PairDataset.open(o.holdout());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--holdout: " + e.getMessage(), e);
            }
        }
        Path dflt = o.data().resolve("holdout");
        if (Files.isDirectory(o.data()) && (Files.isRegularFile(dflt.resolve("prompt.json")) || Files.isRegularFile(dflt.resolve("captions.txt"))))
            return PairDataset.open(dflt);
        return null;
    }

    /** A fresh model from the config (PyTorch's default init from the seed), or the --init weights. */
    private static AutoencoderKL model(Options o, long seed) {
        if (o.init() != null) {
            if (!Files.exists(o.init())) throw new IllegalArgumentException("--init: " + o.init() + ": no such VAE folder");
            AutoencoderKL m;
            try {
                m = ComponentFiles.vae(o.init(), null, DType.FP32);
            } catch (WeightsException e) {
                throw new IllegalArgumentException("--init: " + e.getMessage(), e);
            }
            try {
                requireFits(m.config(), o.resolution());
            } catch (IllegalArgumentException e) {
                m.close();
                throw e;
            }
            return m;
        }
        AutoencoderKLConfig c = DEFAULT_FAMILY;
        if (o.config() != null) {
            if (!Files.isRegularFile(o.config())) throw new IllegalArgumentException("--config: " + o.config() + ": no such file");
            c = AutoencoderKLConfig.fromJson(ConfigJson.read(o.config()));
        }
        requireFits(c, o.resolution());
        AutoencoderKL m = new AutoencoderKL(c);
        m.init(torch.createCPUGenerator(Seeds.derive(seed, INIT_STREAM, 0)), DType.FP32);
        startWithSmallPosteriorNoise(m);
        return m;
    }

    /** The log-variance the posterior starts at in a fresh model (posterior std exp(-3) = 0.05). */
    public static final double INITIAL_LOGVAR = -6.0;

    /**
     * Sets the bias of {@code quant_conv}'s log-variance half to {@link #INITIAL_LOGVAR}. With
     * PyTorch's default init the posterior starts at std 1, and Adam moves a weight by at most
     * about the learning rate per step, so shrinking that noise takes many thousands of steps;
     * until then the decoder learns average colours for the small objects the noise hides (we
     * measured every object decoded orange or azure after 2600 steps of the default family).
     */
    static void startWithSmallPosteriorNoise(AutoencoderKL m) {
        io.easel.tensor.Param b = m.parameters().get("quant_conv.bias");
        if (b == null) return;
        long c = m.config().latentChannels();
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            b.get().narrow(0, c, c).fill_(T.s(INITIAL_LOGVAR));
        }
    }

    private static void requireFits(AutoencoderKLConfig c, int resolution) {
        for (int ch : c.blockOutChannels())
            if (ch % c.normNumGroups() != 0)
                throw new IllegalArgumentException("the VAE's block_out_channels " + c.blockOutChannels() + " are not all multiples of norm_num_groups " + c.normNumGroups());
        int factor = 1 << (c.blockOutChannels().size() - 1);
        if (resolution % factor != 0)
            throw new IllegalArgumentException("--resolution must be a multiple of " + factor + " (the VAE's downsampling factor), got " + resolution);
    }

    /** diffusers' vae/config.json with the training size and a latent scale. */
    static ObjectNode configJson(AutoencoderKLConfig c, int resolution, double scalingFactor) {
        ObjectNode j = new AutoencoderKLConfig(c.inChannels(), c.outChannels(), c.latentChannels(), c.blockOutChannels(), c.layersPerBlock(),
                c.normNumGroups(), scalingFactor, c.useQuantConv(), c.usePostQuantConv(), c.midBlockAddAttention()).toJson();
        j.put("sample_size", resolution);
        return j;
    }

    /**
     * LDM's {@code scale_by_std}: {@code 1 / std} of posterior samples (all latent elements
     * together), over up to {@code count} training images spread evenly over the dataset.
     */
    static double scalingFactor(AutoencoderKL vae, ImageBatches images, int count, long seed) {
        int n = Math.min(count, images.size());
        if (n < 2) n = Math.min(2, images.size());
        double sum = 0, sumSq = 0;
        long elements = 0;
        Generator gen = torch.createCPUGenerator(Seeds.derive(seed, SCALE_STREAM, 0));
        for (int start = 0; start < n; start += CHUNK) {
            int[] idx = new int[Math.min(CHUNK, n - start)];
            for (int i = 0; i < idx.length; i++) idx[i] = (int) ((long) (start + i) * images.size() / n);
            try (PointerScope s = new PointerScope()) {
                Tensor z = vae.encode(rows(images, idx)).sample(gen).to(torch.ScalarType.Double);
                sum += z.sum().item().toDouble();
                sumSq += z.mul(z).sum().item().toDouble();
                elements += z.numel();
            }
        }
        double mean = sum / elements;
        double var = (sumSq - elements * mean * mean) / Math.max(1, elements - 1); // torch.std: unbiased
        if (!(var > 0)) throw new IllegalStateException("the latents have no variance; cannot set the scaling factor");
        return 1.0 / Math.sqrt(var);
    }

    private record Evaluation(Metrics metrics, Image sheet) {}

    /**
     * Encodes (posterior mean) and decodes up to {@code count} images; PSNR is the mean over
     * images of {@code 10 log10(1 / mse)} and MAE the mean absolute error, both in [0, 1] units on
     * the decoder output clamped to [-1, 1].
     */
    private static Evaluation evaluate(AutoencoderKL vae, ImageBatches images, String split, int count) {
        int n = Math.min(count, images.size());
        double psnrSum = 0, absSum = 0;
        long values = 0;
        int side = images.resolution(), shown = Math.min(SHEET_IMAGES, n);
        Image sheet = Image.blank(side * shown, side * 2, 3);
        for (int start = 0; start < n; start += CHUNK) {
            int[] idx = new int[Math.min(CHUNK, n - start)];
            for (int i = 0; i < idx.length; i++) idx[i] = start + i;
            try (PointerScope s = new PointerScope()) {
                Tensor x = rows(images, idx);
                Tensor rec = torch.clamp(vae.decode(vae.encode(x).mean()), new ScalarOptional(T.s(-1)), new ScalarOptional(T.s(1)));
                // [-1,1] -> [0,1]: errors halve
                Tensor diff = rec.sub(x).mul(T.s(0.5));
                float[] mse = T.toFloats(diff.mul(diff).mean(new long[]{1, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
                for (float m : mse) psnrSum += 10 * Math.log10(1.0 / Math.max(m, 1e-10));
                absSum += torch.abs(diff).sum().item().toDouble();
                values += diff.numel();
                for (int i = 0; i < idx.length && start + i < shown; i++) {
                    paste(sheet, x, i, (start + i) * side, 0);
                    paste(sheet, rec, i, (start + i) * side, side);
                }
            }
        }
        return new Evaluation(new Metrics(split, n, psnrSum / n, absSum / values), sheet);
    }

    /** Copies row {@code i} of {@code t} ([N,3,S,S] in [-1,1]) into {@code sheet} at (x0, y0). */
    private static void paste(Image sheet, Tensor t, int i, int x0, int y0) {
        Tensor row = t.select(0, i);
        int s = (int) row.size(1);
        float[] v = T.toFloats(row.contiguous());
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                    sheet.set(x0 + x, y0 + y, c, Math.round(Math.max(0, Math.min(1, (v[(c * s + y) * s + x] + 1) / 2)) * 255f));
    }

    /** Writes OUT/final (beside it first, then renamed into place, replacing an older one). */
    private static void writeFinal(Path out, AutoencoderKL vae, ObjectNode config, Options o, Result res, Image sheet) {
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> w = new LinkedHashMap<>();
            Export.stateDict(vae).forEach((k, t) -> w.put(k, t.detach()));
            FinalFolder.replace(out.resolve("final"), tmp -> {
                Files.createDirectories(tmp.resolve("vae"));
                Files.writeString(tmp.resolve("vae").resolve("config.json"), ConfigJson.toText(config), StandardCharsets.UTF_8);
                SafeTensors.write(tmp.resolve("vae").resolve(Component.DIFFUSERS_WEIGHTS), Export.convert(w, o.saveDtype()), Export.DEFAULT_METADATA);
                Files.writeString(tmp.resolve("metrics.json"), ConfigJson.toText(metricsJson(o, res)), StandardCharsets.UTF_8);
                Images.write(sheet, tmp.resolve("reconstructions.png"));
            });
        }
    }

    private static ObjectNode metricsJson(Options o, Result r) {
        ObjectNode j = ConfigJson.object();
        j.put("recipe", NAME);
        j.put("steps", r.steps());
        j.put("parameters", r.parameters());
        j.put("scaling_factor", r.scalingFactor());
        j.put("scaling_images", o.scaleImages());
        ObjectNode m = j.putObject("reconstruction");
        m.put("split", r.metrics().split());
        m.put("images", r.metrics().images());
        m.put("psnr_db", r.metrics().psnr());
        m.put("mae", r.metrics().mae());
        m.put("note", "posterior mean decoded, clamped to [-1,1]; errors in [0,1] units; PSNR averaged over images");
        ObjectNode l = j.putObject("last_step");
        l.put("loss", r.lastLoss());
        l.put("l1", r.lastL1());
        l.put("kl_mean", r.lastKl());
        j.put("kl_weight", o.klWeight());
        j.put("resolution", o.resolution());
        return j;
    }

    /** One line for a log: metrics and where the model went. */
    public static String describe(Result r) {
        return String.format(Locale.ROOT, "%d steps%s, last loss %.4f (L1 %.4f, KL %.3g); scaling_factor %.5f; %s reconstruction over %d images: PSNR %.2f dB, MAE %.4f; %s",
                r.steps(), r.resumed() ? " (resumed)" : "", r.lastLoss(), r.lastL1(), r.lastKl(), r.scalingFactor(), r.metrics().split(), r.metrics().images(),
                r.metrics().psnr(), r.metrics().mae(), r.finalDir().resolve("vae"));
    }
}
