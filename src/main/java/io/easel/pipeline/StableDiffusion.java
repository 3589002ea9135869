package io.easel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.sampling.SchedulerConfig;
import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.tensor.DType;
import io.easel.tensor.Native;
import io.easel.text.ClipTokenizer;
import io.easel.weights.Detected;
import io.easel.weights.Detection;
import io.easel.weights.Family;
import io.easel.weights.KeyMaps;
import io.easel.weights.Layout;
import io.easel.weights.MappedSource;
import io.easel.weights.ModuleLoader;
import io.easel.weights.TensorSource;
import io.easel.weights.WeightsException;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded Stable Diffusion model: tokenizer, text encoder, UNet, VAE and scheduler config,
 * from a diffusers folder ({@code model_index.json}) or a single-file LDM checkpoint
 * ({@code .safetensors} or {@code .ckpt}).
 */
public final class StableDiffusion implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Family family;
    private final DType dtype;
    private final ClipTokenizer tokenizer;
    private final CLIPTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private SchedulerConfig scheduler;
    private final List<String> notes;
    private int nativeSize = 512;

    private StableDiffusion(Path path, Family family, DType dtype, ClipTokenizer tokenizer, CLIPTextModel textEncoder,
                            UNet2DConditionModel unet, AutoencoderKL vae, SchedulerConfig scheduler, List<String> notes) {
        this.path = path; this.family = family; this.dtype = dtype; this.tokenizer = tokenizer; this.textEncoder = textEncoder;
        this.unet = unet; this.vae = vae; this.scheduler = scheduler; this.notes = List.copyOf(notes);
    }

    public Path path() { return path; }
    public Family family() { return family; }
    public DType dtype() { return dtype; }
    public ClipTokenizer tokenizer() { return tokenizer; }
    public CLIPTextModel textEncoder() { return textEncoder; }
    public UNet2DConditionModel unet() { return unet; }
    public AutoencoderKL vae() { return vae; }
    public SchedulerConfig scheduler() { return scheduler; }

    /** Replaces the scheduler config (beta schedule, spacing, prediction type) used by later runs. */
    public void setScheduler(SchedulerConfig s) {
        if (s == null) throw new IllegalArgumentException("scheduler config must not be null");
        this.scheduler = s;
    }
    /**
     * The image size the model was trained at (unet/config.json's sample_size times the VAE's
     * factor; 512 for SD1 single files, 768 for SD2 v-prediction ones): the default output size.
     */
    public int nativeSize() { return nativeSize; }

    /** The VAE's downsampling factor (8 for SD). */
    public int vaeScaleFactor() { return vae.config().scaleFactor(); }

    /** What loading noticed (ignored keys and the like), for {@code --verbose} and {@code info}. */
    public List<String> notes() { return notes; }

    /** SD1 pads prompts with the end token, SD2 (OpenCLIP) with 0. */
    public ClipTokenizer.Padding padding() { return TextConditioning.padding(family); }

    /** The VAE's latent scaling factor. */
    public double scalingFactor() { return vae.config().scalingFactor(); }

    /** Loads a diffusers folder or a single-file checkpoint. */
    public static StableDiffusion load(Path path, LoadOptions opts) {
        Native.init();
        if (!Files.exists(path)) throw new WeightsException(path + ": no such file or folder");
        try (NoGradGuard g = new NoGradGuard()) {
            if (Files.isDirectory(path)) return loadFolder(path, opts);
            return loadSingleFile(path, opts);
        }
    }

    private static StableDiffusion loadFolder(Path dir, LoadOptions opts) {
        if (!Files.isRegularFile(dir.resolve("model_index.json")))
            throw new WeightsException(dir + ": not a diffusers pipeline folder (no model_index.json)");
        for (String c : List.of("unet", "vae", "text_encoder"))
            if (!Files.isDirectory(dir.resolve(c))) throw new WeightsException(dir + ": missing the " + c + "/ folder");
        List<String> notes = new ArrayList<>();
        ClipTokenizer tok;
        if (opts.tokenizer() != null) tok = tokenizerFrom(opts.tokenizer());
        else {
            if (!Files.isDirectory(dir.resolve("tokenizer"))) notes.add("no tokenizer/ folder: using the bundled CLIP vocabulary");
            tok = folderTokenizer(dir);
        }
        UNet2DConditionModel unet = null;
        CLIPTextModel te = null;
        AutoencoderKL vae = null;
        try {
            te = ComponentFiles.textEncoder(dir.resolve("text_encoder"), opts.dtype());
            unet = ComponentFiles.unet(dir.resolve("unet"), opts.dtype());
            vae = ComponentFiles.vae(dir.resolve("vae"), opts.dtype());
            Family family = TextConditioning.family(unet.config());
            if (opts.overrides().family() != null) family = opts.overrides().family();
            if (!Files.isRegularFile(dir.resolve(SCHEDULER_CONFIG))) notes.add("no scheduler/scheduler_config.json: using SD's training schedule");
            SchedulerConfig sched = withPrediction(folderScheduler(dir), opts.predictionType(), null);
            if (opts.pack()) { unet.packForInference(); vae.packForInference(); }
            StableDiffusion sd = new StableDiffusion(dir, family, opts.dtype(), tok, te, unet, vae, sched, notes);
            int sample = ConfigJson.read(dir.resolve("unet").resolve("config.json")).getInt("sample_size", 64);
            sd.nativeSize = sample * sd.vaeScaleFactor();
            return sd;
        } catch (RuntimeException e) {
            closeAll(te, unet, vae);
            throw e;
        }
    }

    private static StableDiffusion loadSingleFile(Path file, LoadOptions opts) {
        List<String> notes = new ArrayList<>();
        UNet2DConditionModel unet = null;
        CLIPTextModel te = null;
        AutoencoderKL vae = null;
        try (TensorSource src = Checkpoints.open(file)) {
            Detected d = Detection.detect(src, opts.overrides());
            if (d.isControlNet())
                throw new WeightsException(file + ": is a ControlNet, not a Stable Diffusion checkpoint (use it with --control)");
            if (d.layout() != Layout.LDM_CHECKPOINT)
                throw new WeightsException(file + ": holds a single component (" + d.layout().label() + "), not a full Stable Diffusion checkpoint");
            if (d.unet() == null || d.vae() == null || d.textEncoder() == null)
                throw new WeightsException(file + ": incomplete checkpoint (needs UNet, VAE and text encoder)");
            if (d.ignoredKeys() > 0) notes.add("ignored " + d.ignoredKeys() + " known extra keys " + d.ignored());
            Family family = d.family();
            ClipTokenizer tok = opts.tokenizer() != null ? tokenizerFrom(opts.tokenizer()) : ClipTokenizer.bundled();
            te = new CLIPTextModel(d.textEncoder());
            ModuleLoader.load(te, KeyMaps.ldmTextEncoder(src), opts.dtype(), k -> false);
            unet = new UNet2DConditionModel(d.unet());
            ModuleLoader.load(unet, projections(KeyMaps.ldmUnet(src), d.unet()), opts.dtype(), k -> false, opts.pack());
            vae = new AutoencoderKL(d.vae());
            ModuleLoader.load(vae, KeyMaps.ldmVae(src), opts.dtype(), k -> false, opts.pack());
            SchedulerConfig sched = withPrediction(SchedulerConfig.SD15, opts.predictionType(), family);
            StableDiffusion sd = new StableDiffusion(file, family, opts.dtype(), tok, te, unet, vae, sched, notes);
            sd.nativeSize = family == Family.SD2 && sched.predictionType() == PredictionType.V_PREDICTION ? 768 : 512;
            return sd;
        } catch (RuntimeException e) {
            closeAll(te, unet, vae);
            throw e;
        }
    }

    private static final String SCHEDULER_CONFIG = "scheduler/scheduler_config.json";

    /** The tokenizer of a diffusers pipeline folder: its tokenizer/ folder, else the bundled CLIP vocabulary. */
    public static ClipTokenizer folderTokenizer(Path dir) {
        return Files.isDirectory(dir.resolve("tokenizer")) ? ClipTokenizer.fromFolder(dir.resolve("tokenizer")) : ClipTokenizer.bundled();
    }

    /** The scheduler config of a diffusers pipeline folder: scheduler/scheduler_config.json, else SD's training schedule. */
    public static SchedulerConfig folderScheduler(Path dir) {
        Path sc = dir.resolve(SCHEDULER_CONFIG);
        if (!Files.isRegularFile(sc)) return SchedulerConfig.SD15;
        try {
            return SchedulerConfig.fromJson(readJson(sc));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(sc + ": " + e.getMessage(), e);
        }
    }

    /** A mapped UNet source whose proj_in/proj_out ranks match the config (files store either). */
    static MappedSource projections(MappedSource src, UNet2DConditionConfig c) {
        return src.withProjections(c.useLinearProjection());
    }

    private static SchedulerConfig withPrediction(SchedulerConfig s, PredictionType override, Family family) {
        if (override != null) return s.withPredictionType(override);
        if (family == Family.SD2) return s.withPredictionType(PredictionType.V_PREDICTION);
        return s;
    }

    static ClipTokenizer tokenizerFrom(Path p) {
        return Files.isDirectory(p) ? ClipTokenizer.fromFolder(p) : ClipTokenizer.fromBpeGz(p);
    }

    static JsonNode readJson(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new WeightsException(p + ": not valid JSON (" + e.getMessage() + ")");
        }
    }

    private static void closeAll(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            if (c == null) continue;
            try { c.close(); } catch (Exception ignored) { }
        }
    }

    /**
     * Encodes a prompt as the UNet's context: every 75-token chunk encoded on its own and the
     * encodings concatenated. ids: chunks of 77 -> [1, 77*chunks, D]
     */
    public Tensor encode(List<long[]> chunks, int clipSkip) {
        return TextConditioning.encodeChunks(textEncoder, chunks, clipSkip);
    }

    @Override
    public void close() {
        closeAll(textEncoder, unet, vae);
    }

}
