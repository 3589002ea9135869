package io.easel.train.recipes;

import io.easel.api.Easel;
import io.easel.api.TrainRun;
import io.easel.api.UnetTraining;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.pipeline.Canvas;
import io.easel.pipeline.ComponentFiles;
import io.easel.pipeline.Diffusion;
import io.easel.pipeline.LoadOptions;
import io.easel.pipeline.Prompt;
import io.easel.pipeline.SamplingSpec;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.SamplerKind;
import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.sampling.StepListener;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.train.AdamWConfig;
import io.easel.train.BatchSource;
import io.easel.train.Component;
import io.easel.train.LrSchedule;
import io.easel.train.ParamSelector;
import io.easel.train.Trainer;
import io.easel.train.TrainerConfig;
import io.easel.train.data.Example;
import io.easel.weights.ArchOverrides;
import io.easel.weights.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The text-to-image recipe on tiny seeded models: the whole path from a dataset to a pipeline that generates. */
class UnetRecipeTest {
    @TempDir Path tmp;
    private int threadsBefore;

    /**
     * One intra-op thread, as the front ends' initialisation would leave it for the rest of the
     * run otherwise: these models are too small to gain from a second thread, and on a loaded
     * machine OpenMP's waits made their steps up to 20x slower.
     */
    @BeforeEach
    void oneThread() {
        io.easel.tensor.Native.init();
        threadsBefore = torch.get_num_threads();
        torch.set_num_threads(1);
    }

    @AfterEach
    void restoreThreads() { torch.set_num_threads(threadsBefore); }

    Path data() { return TinyT2I.dataset(tmp.resolve("data"), 4); }

    UnetRecipe.Settings components() {
        return UnetRecipe.Settings.components(data(), TinyT2I.vaeFolder(tmp.resolve("vae")), TinyT2I.textFolder(tmp.resolve("text")))
                .withUnetConfig(TinyT2I.unetJson(tmp.resolve("unet.json"), TinyT2I.UNET));
    }

    static RecipeRun run(Path out, long steps, int batch, double lr, Path cache) {
        return new RecipeRun(out, 5, steps, batch, 1, AdamWConfig.DIFFUSERS.withLr(lr), LrSchedule.CONSTANT, 1.0, 1000, 0, true, cache, false);
    }

    @Test
    void facadeTrainsAndWritesAPipelineThatGenerates() throws Exception {
        Path out = tmp.resolve("run");
        UnetTraining what = new UnetTraining(data(), null, TinyT2I.vaeFolder(tmp.resolve("vae")), TinyT2I.textFolder(tmp.resolve("text")),
                TinyT2I.unetJson(tmp.resolve("unet.json"), TinyT2I.UNET), false, "v", 0.1, 0, 0.9, "fp32", false, 0);
        TrainRun tr = new TrainRun(out, 3, 3, 2, 1, 1e-3, "constant", -1, 1.0, 0, 0, true, true, null, 0);
        String summary = Easel.trainUnet(what, tr, false);
        assertTrue(summary.contains("3 steps") && summary.contains("v_prediction"), summary);
        assertTrue(summary.contains("--unet-heads 2,2 --text-encoder-heads 2"), summary);
        for (String f : List.of("final/model_index.json", "final/unet/config.json", "final/vae/config.json", "final/text_encoder/model.safetensors",
                "final/tokenizer/vocab.json", "final/scheduler/scheduler_config.json", "final.safetensors", "checkpoints/train_log.jsonl", "checkpoints/loss.png",
                "checkpoints/checkpoint-3/unet/config.json", "checkpoints/checkpoint-3/unet_ema/diffusion_pytorch_model.safetensors"))
            assertTrue(Files.exists(out.resolve(f)), f);
        assertEquals(3, Files.readAllLines(out.resolve("checkpoints/train_log.jsonl")).size());
        assertTrue(Files.list(out.resolve("latent-cache")).count() >= 4, "latents cached");
        assertTrue(Files.readString(out.resolve("final/scheduler/scheduler_config.json")).contains("\"v_prediction\""));
        // the saved UNet is the EMA, not the raw weights
        try (SafeTensors fin = SafeTensors.open(out.resolve("final/unet/diffusion_pytorch_model.safetensors"));
             SafeTensors ema = SafeTensors.open(out.resolve("checkpoints/checkpoint-3/unet_ema/diffusion_pytorch_model.safetensors"));
             SafeTensors raw = SafeTensors.open(out.resolve("checkpoints/checkpoint-3/unet/diffusion_pytorch_model.safetensors"))) {
            String k = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
            assertTrue(fin.load(k).equal(ema.load(k)));
            assertFalse(fin.load(k).equal(raw.load(k)));
        }
        // the normal loader reads it at its native size and generates; the single file (with the head counts) gives the same image
        try (StableDiffusion sd = StableDiffusion.load(out.resolve("final"), LoadOptions.DEFAULT);
             StableDiffusion one = StableDiffusion.load(out.resolve("final.safetensors"), LoadOptions.DEFAULT
                     .withOverrides(new ArchOverrides(null, 2, List.of(2, 2))).withPredictionType(PredictionType.V_PREDICTION));
             PointerScope s = new PointerScope()) {
            assertEquals(16, sd.nativeSize());
            assertEquals(PredictionType.V_PREDICTION, sd.scheduler().predictionType());
            Diffusion.Result a = generate(sd), b = generate(one);
            assertArrayEquals(new long[]{1, 16, 16, 3}, T.shape(a.images()));
            assertTrue(torch.isfinite(a.images()).all().item().toBool());
            assertTrue(a.latents().equal(b.latents()), "single file and folder differ");
        }
    }

    static Diffusion.Result generate(StableDiffusion sd) {
        return Diffusion.run(sd, new Prompt("a red circle"), new Canvas(16, 16, 1), new SamplingSpec(SamplerKind.EULER, 2, 5.0, 0, 1),
                null, List.of(), StepListener.NONE);
    }

    @Test
    void lossDecreasesOnAFewImages() {
        try (UnetRecipe r = UnetRecipe.prepare(components().withCaptionDropout(0), run(tmp.resolve("run"), 100, 4, 2e-3, tmp.resolve("cache")))) {
            List<Example> batch = examples();
            double before = evalLoss(r, batch, 8);
            r.trainer().run();
            double after = evalLoss(r, batch, 8);
            assertTrue(after < 0.6 * before, "loss " + before + " -> " + after);
        }
    }

    /** All four examples. */
    List<Example> examples() { return UnetRecipe.openDataset(tmp.resolve("data")).examples(); }

    /** The loss on a fixed batch with fixed draws ({@code n} generators), without gradients. */
    static double evalLoss(UnetRecipe r, List<Example> batch, int n) {
        double sum = 0;
        try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
            for (int i = 0; i < n; i++) sum += r.objective().loss(batch, torch.createCPUGenerator(100 + i)).item().toDouble();
        }
        return sum / n;
    }

    @Test
    void captionDropoutOneTrainsOnEmptyPrompts() {
        List<List<String>> prompts = new ArrayList<>();
        List<Tensor> contexts = new ArrayList<>();
        UnetRecipe.Settings s = components();
        try (UnetRecipe r = UnetRecipe.prepare(s.withCaptionDropout(1.0), run(tmp.resolve("run"), 2, 3, 1e-3, null));
             CLIPTextModel te = ComponentFiles.textEncoder(tmp.resolve("text"), DType.FP32)) {
            r.objective().onContext((p, ctx) -> {
                prompts.add(p);
                Tensor kept = ctx.clone();
                kept.retainReference(); // outlives the step's scope
                contexts.add(kept);
            });
            r.trainer().run();
            assertEquals(2, prompts.size());
            for (List<String> p : prompts) assertEquals(List.of("", "", ""), p);
            Tensor empty;
            try (NoGradGuard g = new NoGradGuard()) {
                // the empty prompt as generation encodes it: start, end, padded with the end token (SD1)
                long[] ids = ClipTokenizer.bundled().sd1Ids("");
                assertEquals(49406, ids[0]);
                assertEquals(49407, ids[76]);
                empty = te.forward(T.fromLongs(ids, 1, 77), 1);
            }
            for (Tensor ctx : contexts) {
                assertArrayEquals(new long[]{3, 77, 32}, T.shape(ctx));
                assertTrue(torch.allclose(ctx, empty.expand(3, -1, -1), 1e-5, 1e-6, false), "context is not the empty prompt's");
            }
        }
        // and without dropout the captions are used
        prompts.clear();
        try (UnetRecipe r = UnetRecipe.prepare(s.withCaptionDropout(0), run(tmp.resolve("run0"), 1, 4, 1e-3, null))) {
            r.objective().onContext((p, ctx) -> prompts.add(p));
            r.trainer().run();
            assertTrue(prompts.get(0).stream().noneMatch(String::isEmpty), prompts.toString());
        }
    }

    @Test
    void crossAttentionWidthMustMatchTheTextEncoder() {
        UnetRecipe.Settings s = components().withUnetConfig(TinyT2I.unetJson(tmp.resolve("wide.json"), TinyT2I.unet(48)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UnetRecipe.prepare(s, run(tmp.resolve("run"), 1, 1, 1e-3, null)));
        assertTrue(e.getMessage().contains("cross_attention_dim 48") && e.getMessage().contains("hidden_size 32")
                && e.getMessage().contains("wide.json") && e.getMessage().contains("config.json"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("run")), "nothing written");
    }

    @Test
    void trainTextEncoderTrainsItWithTheUnetAndWritesIt() throws Exception {
        Path text = tmp.resolve("text"), frozenOut = tmp.resolve("frozen"), out = tmp.resolve("joint");
        UnetRecipe.Settings s = components().withCaptionDropout(0);
        try (UnetRecipe r = UnetRecipe.prepare(s, run(frozenOut, 3, 2, 1e-3, null))) { r.run(); }
        try (UnetRecipe r = UnetRecipe.prepare(s.withTextEncoderTraining(true), run(out, 3, 2, 1e-3, null))) { r.run(); }
        assertTrue(Files.exists(out.resolve("checkpoints/checkpoint-3/text_encoder/model.safetensors")), "checkpoints hold the text encoder");
        assertFalse(Files.exists(frozenOut.resolve("checkpoints/checkpoint-3/text_encoder")), "a frozen text encoder is not checkpointed");
        int changed = 0;
        try (SafeTensors base = SafeTensors.open(text.resolve("model.safetensors"));
             SafeTensors frozen = SafeTensors.open(frozenOut.resolve("final/text_encoder/model.safetensors"));
             SafeTensors joint = SafeTensors.open(out.resolve("final/text_encoder/model.safetensors"))) {
            assertEquals(base.infos().keySet(), joint.infos().keySet());
            for (String k : base.infos().keySet()) {
                assertTrue(base.load(k).equal(frozen.load(k)), "frozen run changed " + k);
                if (!base.load(k).equal(joint.load(k))) changed++;
            }
        }
        assertTrue(changed > 10, changed + " text-encoder tensors changed");
        // the trained text encoder is what the pipeline then uses
        try (StableDiffusion sd = StableDiffusion.load(out.resolve("final"), LoadOptions.DEFAULT);
             StableDiffusion base = StableDiffusion.load(frozenOut.resolve("final"), LoadOptions.DEFAULT);
             PointerScope sc = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            PromptEncoder a = PromptEncoder.of(sd), b = PromptEncoder.of(base);
            assertFalse(a.encode(List.of("a red circle")).equal(b.encode(List.of("a red circle"))));
        }
        // a run that trains the text encoder does not resume a run that did not
        try (UnetRecipe r = UnetRecipe.prepare(s.withTextEncoderTraining(true), run(frozenOut, 4, 2, 1e-3, null))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("checkpoint trains 208 parameters, this run 244"), e.getMessage());
        }
    }

    @Test
    void emaWithTextEncoderTrainingAveragesAndSavesBoth() throws Exception {
        Path out = tmp.resolve("ema");
        try (UnetRecipe r = UnetRecipe.prepare(components().withCaptionDropout(0).withTextEncoderTraining(true).withEmaDecay(0.9),
                run(out, 3, 2, 1e-3, null))) { r.run(); }
        Path ck = out.resolve("checkpoints/checkpoint-3");
        try (SafeTensors fin = SafeTensors.open(out.resolve("final/text_encoder/model.safetensors"));
             SafeTensors ema = SafeTensors.open(ck.resolve("text_encoder_ema/model.safetensors"));
             SafeTensors raw = SafeTensors.open(ck.resolve("text_encoder/model.safetensors"));
             SafeTensors base = SafeTensors.open(tmp.resolve("text/model.safetensors"))) {
            assertEquals(raw.infos().keySet(), fin.infos().keySet());
            int between = 0;
            for (String k : raw.infos().keySet()) {
                assertTrue(fin.load(k).equal(ema.load(k)), "final text encoder is not the EMA at " + k);
                Tensor b = base.load(k), e = ema.load(k), w = raw.load(k);
                // decay(2) = 2/11, decay(3) = 3/12: the average lags the weights but has left the base
                if (!w.equal(b) && !e.equal(w) && !e.equal(b)) between++;
            }
            assertTrue(between > 10, between + " text-encoder tensors averaged");
        }
    }

    @Test
    void resumingAnotherRecipesCheckpointIsRefused() {
        Path out = tmp.resolve("run");
        // a checkpoint of another recipe, of the same UNet, in OUT/checkpoints
        try (UNet2DConditionModel u = new UNet2DConditionModel(TinyT2I.UNET)) {
            u.init(torch.createCPUGenerator(1), DType.FP32);
            BatchSource<Integer> one = new BatchSource<>() {
                @Override public int size() { return 1; }
                @Override public Integer batch(int[] idx) { return idx[0]; }
            };
            TrainerConfig cfg = TrainerConfig.builder(out.resolve("checkpoints"), "controlnet").maxSteps(1).build();
            try (Trainer<Integer> t = new Trainer<>(cfg, List.of(Component.of("unet", u, ParamSelector.ALL)), one,
                    (b, gen) -> u.parameters().get("conv_in.weight").get().square().sum())) {
                t.run();
            }
        }
        try (UnetRecipe r = UnetRecipe.prepare(components(), run(out, 2, 2, 1e-3, null))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("checkpoint-1") && e.getMessage().contains("recipe controlnet, this run has unet"), e.getMessage());
        }
        assertFalse(Files.exists(out.resolve("final")));
    }

    @Test
    void captionDropoutIsTheFirstDrawOfAStepAsInTheControlNetRecipe() {
        List<List<String>> prompts = new ArrayList<>();
        try (UnetRecipe r = UnetRecipe.prepare(components().withCaptionDropout(0.5), run(tmp.resolve("run"), 1, 4, 1e-3, null))) {
            r.objective().onContext((p, ctx) -> prompts.add(p));
            List<Example> batch = examples();
            List<String> captions = batch.stream().map(Example::caption).toList();
            int dropped = 0;
            try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
                for (int seed = 0; seed < 8; seed++) {
                    r.objective().loss(batch, torch.createCPUGenerator(seed));
                    // the shared PromptEncoder convention: one uniform draw per caption, before the latents
                    List<String> expected = PromptEncoder.withDropout(captions, 0.5, torch.createCPUGenerator(seed));
                    assertEquals(expected, prompts.get(seed), "seed " + seed);
                    dropped += (int) expected.stream().filter(String::isEmpty).count();
                }
            }
            assertTrue(dropped > 0 && dropped < 32, "some captions dropped, not all: " + dropped);
        }
    }

    @Test
    void cachedLatentsDrawTheSameNumbers() {
        UnetRecipe.Settings s = components();
        try (UnetRecipe plain = UnetRecipe.prepare(s, run(tmp.resolve("a"), 1, 4, 1e-3, null));
             UnetRecipe cached = UnetRecipe.prepare(s, run(tmp.resolve("b"), 1, 4, 1e-3, tmp.resolve("cache")))) {
            List<Example> batch = examples();
            double a = evalLoss(plain, batch, 2), b = evalLoss(cached, batch, 2), c = evalLoss(cached, batch, 2);
            assertEquals(a, b, 1e-4 * a, "the cache holds what the VAE gives");
            assertEquals(b, c, 0.0, "read back from the cache");
        }
    }

    @Test
    void fineTuningStartsFromTheBaseUnet() {
        Path base = TinyT2I.pipeline(tmp.resolve("base"), 21);
        UnetRecipe.Settings fp16 = new UnetRecipe.Settings(data(), base, null, null, null, false, null, 0.1, 0, 0, DType.FP16, false, 0);
        try (UnetRecipe r = UnetRecipe.prepare(fp16, run(tmp.resolve("run"), 1, 2, 1e-3, null));
             UNet2DConditionModel b = ComponentFiles.unet(base.resolve("unet"), DType.FP32)) {
            String k = "conv_in.weight";
            assertTrue(r.unet().parameters().get(k).get().equal(b.parameters().get(k).get()));
            assertEquals(16, r.resolution());
            UnetRecipe.Result res = r.run();
            assertFalse(r.unet().parameters().get(k).get().equal(b.parameters().get(k).get()), "trained");
            assertEquals(1, res.steps());
        }
        // --save-dtype fp16: the published files hold half precision, and load
        try (SafeTensors f = SafeTensors.open(tmp.resolve("run/final/unet/diffusion_pytorch_model.safetensors"))) {
            assertEquals("F16", f.infos().get("conv_in.weight").dtype());
        }
        try (StableDiffusion sd = StableDiffusion.load(tmp.resolve("run/final"), LoadOptions.DEFAULT)) {
            assertEquals(16, sd.nativeSize());
        }
        // --from-scratch keeps the architecture with fresh seeded weights
        UnetRecipe.Settings s = new UnetRecipe.Settings(data(), base, null, null, null, true, null, 0.1, 0, 0, null, false, 0);
        try (UnetRecipe r = UnetRecipe.prepare(s, run(tmp.resolve("run2"), 1, 2, 1e-3, null));
             UNet2DConditionModel b = ComponentFiles.unet(base.resolve("unet"), DType.FP32)) {
            assertEquals(b.config(), r.unet().config());
            assertFalse(r.unet().parameters().get("conv_in.weight").get().equal(b.parameters().get("conv_in.weight").get()));
        }
    }

    @Test
    void zeroTerminalSnrTrainsOnPureNoiseAtTheLastTimestepAndWritesTheSchedule() throws Exception {
        Path base = TinyT2I.pipeline(tmp.resolve("base"), 21);
        UnetRecipe.Settings z = UnetRecipe.Settings.fineTune(data(), base).withZeroTerminalSnr(true);
        try (UnetRecipe r = UnetRecipe.prepare(z, run(tmp.resolve("run"), 1, 2, 1e-3, null))) {
            assertTrue(r.scheduler().rescaleBetasZeroSnr());
            assertEquals(PredictionType.V_PREDICTION, r.scheduler().predictionType());
            try (PointerScope scope = new PointerScope()) {
                // at t = 999 the noisy input is the noise itself and the v target is -latents
                Tensor latents = torch.randn(2, 4, 4, 4), noise = torch.randn(2, 4, 4, 4);
                var step = new io.easel.train.DiffusionStep(r.unet(), r.scheduler(), r.scheduler().predictionType(), 0);
                var out = step.compute(latents, torch.randn(2, 77, 32), noise, T.fromFloats(new float[]{999, 999}, 2), null);
                assertTrue(out.noisy().equal(noise));
                assertTrue(out.target().equal(latents.neg()));
            }
            UnetRecipe.Result res = r.run();
            assertEquals(1, res.steps());
            assertTrue(res.notes().stream().anyMatch(n -> n.contains("zero terminal SNR")), res.notes().toString());
        }
        String sched = Files.readString(tmp.resolve("run/final/scheduler/scheduler_config.json"));
        assertTrue(sched.contains("\"rescale_betas_zero_snr\" : true") && sched.contains("\"v_prediction\"") && sched.contains("\"trailing\""), sched);
        assertFalse(Files.exists(tmp.resolve("run/final.safetensors")), "the single-file layout cannot carry the rescaled schedule");
        try (StableDiffusion sd = StableDiffusion.load(tmp.resolve("run/final"), LoadOptions.DEFAULT); PointerScope s = new PointerScope()) {
            assertTrue(sd.scheduler().rescaleBetasZeroSnr());
            assertTrue(torch.isfinite(generate(sd).images()).all().item().toBool());
        }
        // epsilon cannot be trained at zero SNR
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> z.withPrediction(PredictionType.EPSILON));
        assertTrue(e.getMessage().contains("--zero-terminal-snr needs v_prediction"), e.getMessage());
    }

    @Test
    void singleFileOnlyWhenTheLayoutDescribesTheModel() {
        var vae = TinyT2I.VAE;
        assertNull(UnetRecipe.singleFileProblem(TinyT2I.UNET, vae, io.easel.weights.Family.SD1, io.easel.sampling.SchedulerConfig.SD15));
        // the default family's VAE: 16 groups and a measured scaling factor, which a single file cannot record
        var shapesVae = new io.easel.models.vae.AutoencoderKLConfig(3, 3, 4, List.of(32, 64, 128, 128), 1, 16, 0.5, true, true, true);
        assertEquals("the VAE's norm_num_groups 16 is not the 32 single-file loaders assume",
                UnetRecipe.singleFileProblem(UnetRecipe.preset(64, 4), shapesVae, io.easel.weights.Family.SD1, io.easel.sampling.SchedulerConfig.SD15));
        var scaled = new io.easel.models.vae.AutoencoderKLConfig(3, 3, 4, List.of(32, 64, 128, 128), 1, 32, 0.5, true, true, true);
        assertTrue(UnetRecipe.singleFileProblem(UnetRecipe.preset(64, 4), scaled, io.easel.weights.Family.SD1, io.easel.sampling.SchedulerConfig.SD15).contains("scaling_factor 0.5"));
        assertNotNull(UnetRecipe.singleFileProblem(TinyT2I.UNET, vae, io.easel.weights.Family.SD2, io.easel.sampling.SchedulerConfig.SD15));
        assertTrue(UnetRecipe.singleFileProblem(TinyT2I.UNET, vae, io.easel.weights.Family.SD1,
                io.easel.sampling.SchedulerConfig.SD15.withZeroTerminalSnr()).contains("zero terminal SNR"));
    }

    @Test
    void presetFollowsTheTextEncoderWidth() {
        var p = UnetRecipe.preset(64, 4);
        assertEquals(List.of(64, 96, 96), p.blockOutChannels());
        assertEquals(64, p.crossAttentionDim());
        assertEquals(List.of(4, 4, 4), p.attentionHeadDim());
        assertEquals(1, p.layersPerBlock());
        assertEquals(32, p.normNumGroups());
        // 16-pixel images are too small for the preset's two halvings of 2x2 latents
        UnetRecipe.Settings s = UnetRecipe.Settings.components(data(), TinyT2I.vaeFolder(tmp.resolve("vae")), TinyT2I.textFolder(tmp.resolve("text")));
        s = new UnetRecipe.Settings(s.data(), null, s.vae(), s.textEncoder(), null, false, null, 0.1, 16, 0, null, false, 0);
        UnetRecipe.Settings fs = s;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UnetRecipe.prepare(fs, run(tmp.resolve("run"), 1, 1, 1e-3, null)));
        assertTrue(e.getMessage().contains("--resolution 16 must be a multiple of 32"), e.getMessage());
    }

    @Test
    void cliShowsTheDefaultsAndRefusesBadFlagsInOneLine() {
        StringWriter o = new StringWriter(), err = new StringWriter();
        int code = io.easel.cli.Main.run(new String[]{"train", "unet", "--help"}, new PrintWriter(o, true), new PrintWriter(err, true));
        assertEquals(0, code);
        String help = o.toString().replaceAll("\\s+", " ");
        for (String s : List.of("--caption-dropout", "classifier-free guidance", "default: 0.1", "5e-4", "--warmup-steps 500", "1e-4", "--batch-size 32", "--ema-decay", "--save-dtype"))
            assertTrue(help.contains(s), s + " missing from:\n" + help);
        err.getBuffer().setLength(0);
        code = io.easel.cli.Main.run(new String[]{"train", "unet", "--data", data().toString(), "-o", tmp.resolve("x").toString(), "--vae", "v"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(2, code);
        assertEquals("easel: give --model PIPELINE, or both --vae DIR and --text-encoder DIR", err.toString().strip());
        assertTrue(help.contains("--snr-gamma") && help.contains("min(SNR, gamma) / SNR"), help);
        err.getBuffer().setLength(0);
        code = io.easel.cli.Main.run(new String[]{"train", "unet", "--data", data().toString(), "-o", tmp.resolve("x").toString(), "--vae", "v",
                "--text-encoder", "t", "--snr-gamma", "-5"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(2, code);
        assertEquals("easel: --snr-gamma must be 0 (off) or positive, got -5.0", err.toString().strip());
        assertFalse(Files.exists(tmp.resolve("x")));
    }
}
