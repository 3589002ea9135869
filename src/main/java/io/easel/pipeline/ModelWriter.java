package io.easel.pipeline;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.weights.Export;
import io.easel.weights.Family;
import io.easel.weights.WeightsException;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Saves a Stable Diffusion model so that other tools and Easel's own loaders read it: as a
 * diffusers folder ({@code model_index.json}, {@code unet/}, {@code vae/}, {@code text_encoder/},
 * {@code tokenizer/}, {@code scheduler/}) or as an LDM single-file {@code .safetensors}
 * (A1111, ComfyUI, diffusers' {@code from_single_file}). Key renames live in
 * {@link io.easel.weights.KeyMaps}; this class writes files and configs.
 *
 * <p>Models must hold dense weights: one loaded with {@link LoadOptions#pack()} released them
 * for the packed inference layout, and saving it fails with a message that says so.
 */
public final class ModelWriter {
    private ModelWriter() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What is saved: the parts of a pipeline, whether loaded ({@link #of(StableDiffusion)}) or
     * built by a trainer.
     *
     * @param family    decides the tokenizer's pad token, the LDM projection rank, and refuses SD2 single files
     * @param scheduler written as scheduler/scheduler_config.json (a single file carries none)
     */
    public record Components(Family family, ClipTokenizer tokenizer, CLIPTextModel textEncoder, UNet2DConditionModel unet,
                             AutoencoderKL vae, SchedulerConfig scheduler) {
        public Components {
            if (family == null || tokenizer == null || textEncoder == null || unet == null || vae == null || scheduler == null)
                throw new IllegalArgumentException("family, tokenizer, text encoder, UNet, VAE and scheduler must all be given");
        }

        public static Components of(StableDiffusion sd) {
            return new Components(sd.family(), sd.tokenizer(), sd.textEncoder(), sd.unet(), sd.vae(), sd.scheduler());
        }
    }

    /** Saves a loaded model as a diffusers folder, tensors in the dtype they are held in. */
    public static void saveDiffusersFolder(Path dir, StableDiffusion sd) { saveDiffusersFolder(dir, Components.of(sd), null); }

    /**
     * Saves a diffusers folder. {@code dir} must not exist or be empty; the folder is written
     * beside it and renamed into place when complete.
     *
     * @param storeAs the tensors' stored precision; null keeps the dtype each is held in
     */
    public static void saveDiffusersFolder(Path dir, Components c, DType storeAs) {
        int nativeSize = c.family() == Family.SD2 && c.scheduler().predictionType() == SchedulerConfig.PredictionType.V_PREDICTION ? 768 : 512;
        saveDiffusersFolder(dir, c, storeAs, nativeSize);
    }

    /**
     * As {@link #saveDiffusersFolder(Path, Components, DType)}, for a model trained at
     * {@code nativeSize} pixels (written as the VAE's {@code sample_size} and, divided by the VAE
     * factor, the UNet's): the loaders' default output size. Without it SD's 512 (768 for SD2
     * v-prediction) is written.
     */
    public static void saveDiffusersFolder(Path dir, Components c, DType storeAs, int nativeSize) {
        int factor = c.vae().config().scaleFactor();
        if (nativeSize < factor || nativeSize % factor != 0)
            throw new IllegalArgumentException("native size " + nativeSize + " is not a positive multiple of the VAE factor " + factor);
        // Collect everything first: a packed model fails here, before anything is written.
        Map<String, Tensor> unet = Export.convert(Export.stateDict(c.unet()), storeAs);
        Map<String, Tensor> vae = Export.convert(Export.stateDict(c.vae()), storeAs);
        Map<String, Tensor> text = Export.convert(Export.stateDict(c.textEncoder()), storeAs);
        requireEmptyOrAbsent(dir);
        Path abs = dir.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            ObjectNode unetConfig = c.unet().config().toJson();
            unetConfig.put("sample_size", nativeSize / factor);
            writeJson(tmp.resolve("unet").resolve("config.json"), unetConfig);
            Export.writeComponent(tmp.resolve("unet").resolve("diffusion_pytorch_model.safetensors"), unet, null);

            ObjectNode vaeConfig = c.vae().config().toJson();
            vaeConfig.put("sample_size", nativeSize);
            writeJson(tmp.resolve("vae").resolve("config.json"), vaeConfig);
            Export.writeComponent(tmp.resolve("vae").resolve("diffusion_pytorch_model.safetensors"), vae, null);

            ObjectNode textConfig = c.textEncoder().config().toJson();
            String dtype = torchDtype(text);
            if (dtype != null) textConfig.put("torch_dtype", dtype);
            writeJson(tmp.resolve("text_encoder").resolve("config.json"), textConfig);
            Export.writeComponent(tmp.resolve("text_encoder").resolve("model.safetensors"), text, null);

            writeTokenizer(tmp.resolve("tokenizer"), c.tokenizer(), c.family());
            writeJson(tmp.resolve("scheduler").resolve("scheduler_config.json"), schedulerJson(c.scheduler()));
            writeJson(tmp.resolve("model_index.json"), modelIndex());

            if (Files.isDirectory(abs)) Files.delete(abs); // empty, checked above
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try { deleteTree(tmp); } catch (IOException ignored) { }
            throw new WeightsException(dir + ": cannot write (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            try { deleteTree(tmp); } catch (IOException ignored) { }
            throw e;
        }
    }

    /** Saves a loaded model as an LDM single-file {@code .safetensors}, tensors in the dtype they are held in. */
    public static void saveSingleFile(Path file, StableDiffusion sd) { saveSingleFile(file, Components.of(sd), null, null); }

    /**
     * Saves an LDM single-file {@code .safetensors} (UNet, VAE and text encoder; no noise-schedule
     * buffers). SD2 is refused (see {@link io.easel.weights.KeyMaps#toLdmTextEncoder}). The scheduler
     * config is not stored: readers of single files assume SD's training schedule, and the
     * prediction type from the family or the user.
     *
     * @param storeAs  the tensors' stored precision; null keeps the dtype each is held in
     * @param metadata safetensors {@code __metadata__} entries (besides {@code format: pt}); may be null
     */
    public static void saveSingleFile(Path file, Components c, DType storeAs, Map<String, String> metadata) {
        Export.writeSingleFile(file, Export.convert(Export.stateDict(c.unet()), storeAs), Export.convert(Export.stateDict(c.vae()), storeAs),
                Export.convert(Export.stateDict(c.textEncoder()), storeAs), c.family(), metadata);
    }

    // ---- The parts of a diffusers folder.

    /** model_index.json of a StableDiffusionPipeline without safety checker. */
    static ObjectNode modelIndex() {
        ObjectNode o = ConfigJson.diffusersConfig("StableDiffusionPipeline");
        for (String none : List.of("feature_extractor", "image_encoder")) o.set(none, pair(null, null));
        o.put("requires_safety_checker", false);
        o.set("safety_checker", pair(null, null));
        o.set("scheduler", pair("diffusers", "DDIMScheduler"));
        o.set("text_encoder", pair("transformers", "CLIPTextModel"));
        o.set("tokenizer", pair("transformers", "CLIPTokenizer"));
        o.set("unet", pair("diffusers", "UNet2DConditionModel"));
        o.set("vae", pair("diffusers", "AutoencoderKL"));
        return o;
    }

    private static ArrayNode pair(String library, String className) {
        ArrayNode a = JSON.createArrayNode();
        if (library == null) a.addNull(); else a.add(library);
        if (className == null) a.addNull(); else a.add(className);
        return a;
    }

    /**
     * A DDIMScheduler config that {@link SchedulerConfig#fromJson} reads back as {@code s}: the
     * fields whose defaults differ between scheduler classes are always written, the
     * Euler / DPM++ options only when they differ from the default, and {@code timestep_spacing}
     * only when set (absent, each sampler uses its own default).
     */
    static ObjectNode schedulerJson(SchedulerConfig s) {
        ObjectNode o = ConfigJson.diffusersConfig("DDIMScheduler");
        o.put("beta_end", s.betaEnd());
        o.put("beta_schedule", s.betaSchedule().jsonName);
        o.put("beta_start", s.betaStart());
        o.put("clip_sample", s.clipSample());
        o.put("clip_sample_range", s.clipSampleRange());
        if (s.eulerAtFinal()) o.put("euler_at_final", true);
        if (s.finalSigmasType() != SchedulerConfig.FinalSigmasType.ZERO) o.put("final_sigmas_type", s.finalSigmasType().jsonName);
        if (!s.lowerOrderFinal()) o.put("lower_order_final", false);
        o.put("num_train_timesteps", s.numTrainTimesteps());
        o.put("prediction_type", s.predictionType().jsonName);
        if (s.rescaleBetasZeroSnr()) o.put("rescale_betas_zero_snr", true);
        o.put("set_alpha_to_one", s.setAlphaToOne());
        o.put("steps_offset", s.stepsOffset());
        o.put("thresholding", false);
        if (s.timestepSpacing() != null) o.put("timestep_spacing", s.timestepSpacing().jsonName);
        o.putNull("trained_betas");
        if (s.useKarrasSigmas()) o.put("use_karras_sigmas", true);
        return o;
    }

    /**
     * Writes a transformers CLIPTokenizer folder (what {@code tokenizer/} of a pipeline folder
     * holds; see {@link #writeTokenizer}).
     *
     * @throws WeightsException naming the folder when it cannot be written
     */
    public static void saveTokenizer(Path dir, ClipTokenizer tok, Family family) {
        try {
            writeTokenizer(dir, tok, family);
        } catch (IOException e) {
            throw new WeightsException(dir + ": cannot write the tokenizer (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A transformers CLIPTokenizer folder: vocab.json, merges.txt, tokenizer_config.json and
     * special_tokens_map.json. SD2's tokenizer pads with "!" (id 0), SD1's with the end token.
     */
    static void writeTokenizer(Path dir, ClipTokenizer tok, Family family) throws IOException {
        Files.createDirectories(dir);
        Set<String> seen = new HashSet<>();
        try (OutputStream out = Files.newOutputStream(dir.resolve("vocab.json"));
             JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            for (int id = 0; id < tok.vocabSize(); id++) {
                String t = tok.token(id);
                if (!seen.add(t))
                    throw new WeightsException(dir + ": the vocabulary holds '" + t + "' twice, which vocab.json cannot express");
                g.writeNumberField(t, id);
            }
            g.writeEndObject();
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("merges.txt"), StandardCharsets.UTF_8)) {
            w.write("#version: 0.2\n");
            for (String[] m : tok.merges()) w.write(m[0] + " " + m[1] + "\n");
        }
        String start = tok.token(tok.startId()), end = tok.token(tok.endId());
        String pad = family == Family.SD2 ? "!" : end;
        ObjectNode special = JSON.createObjectNode();
        special.put("bos_token", start);
        special.put("eos_token", end);
        special.put("pad_token", pad);
        special.put("unk_token", end);
        writeJson(dir.resolve("special_tokens_map.json"), special);
        ObjectNode config = JSON.createObjectNode();
        config.put("add_prefix_space", false);
        config.put("bos_token", start);
        config.put("clean_up_tokenization_spaces", true);
        config.put("do_lower_case", true);
        config.put("eos_token", end);
        config.put("errors", "replace");
        config.put("model_max_length", ClipTokenizer.MAX_LENGTH);
        config.put("pad_token", pad);
        config.put("tokenizer_class", "CLIPTokenizer");
        config.put("unk_token", end);
        writeJson(dir.resolve("tokenizer_config.json"), config);
    }

    /** transformers' name for the tensors' dtype (that of the first; a model holds one), or null when there are none. */
    private static String torchDtype(Map<String, Tensor> tensors) {
        if (tensors.isEmpty()) return null;
        return switch (DType.of(T.dtype(tensors.values().iterator().next()))) {
            case FP32 -> "float32";
            case FP16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, ConfigJson.toText(node), StandardCharsets.UTF_8);
    }

    private static void requireEmptyOrAbsent(Path dir) {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new WeightsException(dir + ": exists and is not a folder");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            if (s.iterator().hasNext()) throw new WeightsException(dir + ": exists and is not empty (a diffusers folder is written into a new or empty folder)");
        } catch (IOException e) {
            throw new WeightsException(dir + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
