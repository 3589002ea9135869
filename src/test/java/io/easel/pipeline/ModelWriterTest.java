package io.easel.pipeline;

import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Export;
import io.easel.weights.Family;
import io.easel.weights.SafeTensors;
import io.easel.weights.WeightsException;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Saving the golden tiny models in both layouts and loading them back gives the same tensors, bit for bit. */
class ModelWriterTest {
    static Path models;
    /** The tiny text encoder is 32 wide with 4 heads, which a single file cannot say. */
    static final LoadOptions DENSE = LoadOptions.DEFAULT.withPack(false);
    static final LoadOptions DENSE_SINGLE = DENSE.withOverrides(new ArchOverrides(null, 4, null));

    @BeforeAll
    static void golden() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null && Files.isDirectory(Path.of(g, "models", "tiny-sd15")), "golden data not available");
        models = Path.of(g, "models");
    }

    static void assertSameParameters(Module expected, Module actual, String what) {
        Map<String, Param> e = expected.parameters(), a = actual.parameters();
        assertEquals(e.keySet(), a.keySet(), what);
        for (String k : e.keySet()) {
            Tensor x = e.get(k).get(), y = a.get(k).get();
            assertArrayEquals(T.shape(x), T.shape(y), what + " " + k);
            assertEquals(T.dtype(x), T.dtype(y), what + " " + k);
            assertTrue(x.equal(y), () -> what + " " + k + " differs");
        }
    }

    static void assertSameModel(StableDiffusion expected, StableDiffusion actual) {
        assertEquals(expected.unet().config(), actual.unet().config());
        assertEquals(expected.vae().config(), actual.vae().config());
        assertEquals(expected.textEncoder().config(), actual.textEncoder().config());
        assertSameParameters(expected.unet(), actual.unet(), "UNet");
        assertSameParameters(expected.vae(), actual.vae(), "VAE");
        assertSameParameters(expected.textEncoder(), actual.textEncoder(), "text encoder");
        assertEquals(expected.family(), actual.family());
    }

    @Test
    void tinySd15SurvivesBothLayouts(@TempDir Path tmp) {
        try (StableDiffusion sd = StableDiffusion.load(models.resolve("tiny-sd15"), DENSE)) {
            Path file = tmp.resolve("tiny.safetensors"), dir = tmp.resolve("tiny");
            ModelWriter.saveSingleFile(file, sd);
            ModelWriter.saveDiffusersFolder(dir, sd);
            try (StableDiffusion a = StableDiffusion.load(file, DENSE_SINGLE); StableDiffusion b = StableDiffusion.load(dir, DENSE)) {
                assertSameModel(sd, a);
                assertSameModel(sd, b);
                assertEquals(sd.scheduler(), b.scheduler());
                assertEquals(SchedulerConfig.SD15, a.scheduler()); // a single file carries no scheduler config
            }
            for (String f : List.of("model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
                    "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json", "text_encoder/model.safetensors",
                    "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json",
                    "scheduler/scheduler_config.json"))
                assertTrue(Files.isRegularFile(dir.resolve(f)), f);
            assertFalse(Files.exists(tmp.resolve("tiny.partial")));
        }
    }

    /** SD2 (linear projections, per-block heads, upcast attention, gelu text encoder, v-prediction) as a diffusers folder. */
    @Test
    void tinySd2SurvivesADiffusersFolder(@TempDir Path tmp) {
        LoadOptions sd2 = DENSE.withOverrides(new ArchOverrides(null, 4, List.of(2, 4, 4, 4)));
        try (StableDiffusion sd = StableDiffusion.load(models.resolve("tiny-sd2.safetensors"), sd2)) {
            assertEquals(Family.SD2, sd.family());
            Path dir = tmp.resolve("tiny-sd2");
            ModelWriter.saveDiffusersFolder(dir, sd);
            try (StableDiffusion b = StableDiffusion.load(dir, DENSE)) {
                assertSameModel(sd, b);
                assertEquals(sd.scheduler(), b.scheduler());
                assertEquals(SchedulerConfig.PredictionType.V_PREDICTION, b.scheduler().predictionType());
                assertEquals(ClipTokenizer.Padding.SD2, b.padding());
            }
            // Its single file cannot be rebuilt: the OpenCLIP tower's unused last block is gone.
            WeightsException e = assertThrows(WeightsException.class, () -> ModelWriter.saveSingleFile(tmp.resolve("sd2.safetensors"), sd));
            assertTrue(e.getMessage().contains("diffusers folder"), e.getMessage());
        }
    }

    /** Stored as fp16 again, the files hold exactly the golden files' tensors (the single file less its alphas_cumprod). */
    @Test
    void fp16ExportsEqualTheGoldenFiles(@TempDir Path tmp) {
        try (StableDiffusion sd = StableDiffusion.load(models.resolve("tiny-sd15"), DENSE)) {
            Path file = tmp.resolve("tiny.safetensors"), dir = tmp.resolve("tiny");
            ModelWriter.Components c = ModelWriter.Components.of(sd);
            ModelWriter.saveSingleFile(file, c, DType.FP16, Map.of("note", "test"));
            ModelWriter.saveDiffusersFolder(dir, c, DType.FP16);
            Map<String, Tensor> golden = SafeTensors.readAll(models.resolve("tiny-sd15.safetensors"));
            golden.remove("alphas_cumprod");
            assertSameTensors(golden, SafeTensors.readAll(file));
            try (SafeTensors st = SafeTensors.open(file)) {
                assertEquals("pt", st.metadata().get("format"));
                assertEquals("test", st.metadata().get("note"));
            }
            for (String f : List.of("unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors")) {
                Map<String, Tensor> g = SafeTensors.readAll(models.resolve("tiny-sd15").resolve(f));
                g.keySet().removeIf(k -> k.endsWith("position_ids"));
                assertSameTensors(g, SafeTensors.readAll(dir.resolve(f)));
            }
        }
    }

    static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(new TreeMap<>(expected).keySet(), new TreeMap<>(actual).keySet());
        for (String k : expected.keySet()) {
            Tensor e = expected.get(k), a = actual.get(k);
            assertArrayEquals(T.shape(e), T.shape(a), k);
            assertEquals(T.dtype(e), T.dtype(a), k);
            assertTrue(e.equal(a), () -> k + " differs");
        }
    }

    @Test
    void controlNetExportsAsTheGoldenOriginalFile(@TempDir Path tmp) {
        Map<String, Tensor> diffusers = SafeTensors.readAll(models.resolve("tiny-controlnet-a/diffusion_pytorch_model.safetensors"));
        Path out = tmp.resolve("cn.safetensors");
        Export.writeControlNetOriginal(out, diffusers);
        assertSameTensors(SafeTensors.readAll(models.resolve("tiny-controlnet-a.safetensors")), SafeTensors.readAll(out));
    }

    @Test
    void tokenizerFolderReadsBackAsTheSameTokenizer(@TempDir Path tmp) throws Exception {
        ClipTokenizer bundled = ClipTokenizer.bundled();
        ModelWriter.writeTokenizer(tmp, bundled, Family.SD1);
        ClipTokenizer back = ClipTokenizer.fromFolder(tmp);
        assertEquals(bundled.vocabSize(), back.vocabSize());
        for (String p : List.of("a red circle", "A photo of an astronaut riding a horse, 4k!!, <|endoftext|> ünïcødé 🐱", ""))
            assertArrayEquals(bundled.encode(p), back.encode(p), p);
        // The same files as transformers' own CLIP tokenizer (the golden tiny model's).
        ClipTokenizer golden = ClipTokenizer.fromFolder(models.resolve("tiny-sd15/tokenizer"));
        for (int id = 0; id < golden.vocabSize(); id++) assertEquals(golden.token(id), back.token(id));
        List<String[]> gm = golden.merges(), bm = back.merges();
        assertEquals(gm.size(), bm.size());
        for (int i = 0; i < gm.size(); i++) assertArrayEquals(gm.get(i), bm.get(i), "merge " + i);
        assertEquals("#version: 0.2", Files.readAllLines(tmp.resolve("merges.txt")).get(0));
    }

    @Test
    void schedulerConfigReadsBack() {
        for (SchedulerConfig s : List.of(SchedulerConfig.SD15, SchedulerConfig.SD2_V,
                SchedulerConfig.SD15.withTimestepSpacing(SchedulerConfig.TimestepSpacing.TRAILING), SchedulerConfig.SD15.withZeroTerminalSnr(),
                new SchedulerConfig(1000, 0.0001, 0.02, SchedulerConfig.BetaSchedule.LINEAR, SchedulerConfig.PredictionType.EPSILON, null, 0,
                        true, true, 1.5, true, SchedulerConfig.FinalSigmasType.SIGMA_MIN, false, true)))
            assertEquals(s, SchedulerConfig.fromJson(ModelWriter.schedulerJson(s)));
    }

    @Test
    void aFolderSchedulerConfigErrorNamesTheFile(@TempDir Path tmp) throws Exception {
        Path sc = tmp.resolve("scheduler/scheduler_config.json");
        Files.createDirectories(sc.getParent());
        Files.writeString(sc, "{\"rescale_betas_zero_snr\": \"yes\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StableDiffusion.folderScheduler(tmp));
        assertTrue(e.getMessage().startsWith(sc + ": ") && e.getMessage().contains("rescale_betas_zero_snr must be true or false"), e.getMessage());
        Files.writeString(sc, ModelWriter.schedulerJson(SchedulerConfig.SD15.withZeroTerminalSnr()).toString());
        assertEquals(SchedulerConfig.SD15.withZeroTerminalSnr(), StableDiffusion.folderScheduler(tmp));
    }

    @Test
    void packedModelsAreRefusedWithAReason(@TempDir Path tmp) {
        try (StableDiffusion sd = StableDiffusion.load(models.resolve("tiny-sd15"), LoadOptions.DEFAULT.withPack(true))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelWriter.saveSingleFile(tmp.resolve("x.safetensors"), sd));
            assertTrue(e.getMessage().contains("pack=false"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> ModelWriter.saveDiffusersFolder(tmp.resolve("x"), sd));
            assertTrue(e.getMessage().contains("packed for inference"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("x")));
            assertFalse(Files.exists(tmp.resolve("x.safetensors")));
        }
    }

    @Test
    void refusals(@TempDir Path tmp) throws Exception {
        try (StableDiffusion sd = StableDiffusion.load(models.resolve("tiny-sd15"), DENSE)) {
            ModelWriter.Components c = ModelWriter.Components.of(sd);
            ModelWriter.Components sd2 = new ModelWriter.Components(Family.SD2, c.tokenizer(), c.textEncoder(), c.unet(), c.vae(), c.scheduler());
            WeightsException e = assertThrows(WeightsException.class, () -> ModelWriter.saveSingleFile(tmp.resolve("sd2.safetensors"), sd2, null, null));
            assertTrue(e.getMessage().contains("SD2"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("sd2.safetensors")));
            Files.createDirectories(tmp.resolve("busy"));
            Files.writeString(tmp.resolve("busy/keep.txt"), "x");
            e = assertThrows(WeightsException.class, () -> ModelWriter.saveDiffusersFolder(tmp.resolve("busy"), sd));
            assertTrue(e.getMessage().contains("not empty"), e.getMessage());
            // An empty folder is fine.
            Files.createDirectories(tmp.resolve("empty"));
            ModelWriter.saveDiffusersFolder(tmp.resolve("empty"), sd);
            assertTrue(Files.isRegularFile(tmp.resolve("empty/model_index.json")));
        }
    }
}
