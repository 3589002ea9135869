package io.easel.train.recipes;

import io.easel.api.ControlNetTraining;
import io.easel.api.Easel;
import io.easel.api.TrainRun;
import io.easel.cli.Main;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.controlnet.ControlNetConfig;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.unet.ControlResiduals;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.pipeline.ControlNetFiles;
import io.easel.pipeline.LoadOptions;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Native;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.train.AdamWConfig;
import io.easel.train.DiffusionStep;
import io.easel.train.LrSchedule;
import io.easel.train.ResidualProvider;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.PairDataset;
import io.easel.weights.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The {@code controlnet} recipe on a tiny random base and synthetic mask -> coloured-shape pairs. */
class ControlNetRecipeTest {
    @TempDir Path tmp;

    private static int threads;

    /** One intra-op thread: these models are tiny, and on a shared machine two spinning threads run several times slower. */
    @BeforeAll
    static void init() {
        Native.init();
        threads = torch.get_num_threads();
        torch.set_num_threads(1);
    }

    @AfterAll
    static void restore() { torch.set_num_threads(threads); }

    static TrainRun run(Path out, long steps, int batch, double lr, boolean cache) {
        return new TrainRun(out, 0, steps, batch, 1, lr, "constant", 0, 1.0, 0, 2, true, cache, null, 0);
    }

    static ControlNetTraining options(Path base, Path data) {
        return new ControlNetTraining(base, data, "mask", TinyBase.SIZE, TinyBase.HINT, null, 0.5);
    }

    static RecipeRun recipeRun(Path out, long steps, int batch, double lr) {
        return new RecipeRun(out, 0, steps, batch, 1, AdamWConfig.DIFFUSERS.withLr(lr), LrSchedule.CONSTANT, 1.0, 500, 2, true, null, false);
    }

    static ControlNetRecipe.Options recipeOptions(Path base, Path data) {
        return ControlNetRecipe.Options.of(base, data).withCondition("mask").withResolution(TinyBase.SIZE).withHintChannels(TinyBase.HINT);
    }

    /** Data folder {@code data} with {@code n} pairs and the base model calibrated on them. */
    private Path[] baseAndData(int n) {
        Path data = tmp.resolve("data");
        List<Path> images = TinyBase.pairs(data, n, 1);
        return new Path[]{TinyBase.write(tmp.resolve("base"), images), data};
    }

    static int cli(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        if (code != 0) System.err.println(String.join(" ", args) + " -> " + code + ": " + e);
        return code;
    }

    @Test
    void trainsThroughTheFacadeAndTheResultLoadsAndGenerates() throws Exception {
        Path[] bd = baseAndData(6);
        Path base = bd[0], data = bd[1], out = tmp.resolve("run");
        String summary = Easel.trainControlNet(run(out, 3, 2, 1e-3, true), options(base, data), null);
        assertTrue(summary.contains("3 steps on 6 pairs at 32x32"), summary);
        Path fin = out.resolve("final");
        for (String f : List.of("config.json", "diffusion_pytorch_model.safetensors", "controlnet.safetensors"))
            assertTrue(Files.isRegularFile(fin.resolve(f)), f);
        assertTrue(Files.isRegularFile(out.resolve("checkpoints/train_log.jsonl")));
        assertTrue(Files.isDirectory(out.resolve("checkpoints/checkpoint-3/controlnet")));
        try (var s = Files.list(out.resolve("latent-cache"))) {
            assertEquals(6, s.count(), "one cached posterior per image");
        }
        // the original layout: bare v1.1 keys, no diffusers names
        Map<String, Tensor> orig = SafeTensors.readAll(fin.resolve("controlnet.safetensors"));
        assertTrue(orig.containsKey("input_hint_block.0.weight") && orig.containsKey("middle_block_out.0.weight"), orig.keySet().toString());
        assertTrue(orig.keySet().stream().noneMatch(k -> k.startsWith("controlnet_")));

        // both files load, to the same config and weights; the zero convolutions have trained
        try (ControlNetModel a = ControlNetFiles.load(fin, TinyBase.UNET, DType.FP32);
             ControlNetModel b = ControlNetFiles.load(fin.resolve("controlnet.safetensors"), TinyBase.UNET, DType.FP32)) {
            assertEquals(TinyBase.HINT, a.config().conditioningEmbeddingOutChannels());
            assertEquals(a.config(), b.config());
            for (Map.Entry<String, Param> e : a.parameters().entrySet())
                assertTrue(e.getValue().get().equal(b.parameters().get(e.getKey()).get()), e.getKey());
            assertTrue(T.maxAbs(a.parameters().get("controlnet_mid_block.weight").get()) > 0);
        }

        // easel generate PROMPT --model BASE --control FINAL:COND.png, with the folder and with the single file
        Path cond = data.resolve("conditions/mask/0000.png");
        List<int[]> pngs = new ArrayList<>();
        for (String control : new String[]{null, fin.toString(), fin.resolve("controlnet.safetensors").toString()}) {
            Path png = tmp.resolve("gen" + pngs.size() + ".png");
            List<String> args = new ArrayList<>(List.of("generate", TinyBase.CAPTION, "--model", base.toString(), "-W", "32", "-H", "32",
                    "--steps", "2", "--seed", "1", "-o", png.toString()));
            if (control != null) args.addAll(List.of("--control", control + ":" + cond));
            assertEquals(0, cli(args.toArray(String[]::new)));
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
            pngs.add(img.getRGB(0, 0, 32, 32, null, 0, 32));
        }
        assertFalse(java.util.Arrays.equals(pngs.get(0), pngs.get(1)), "the ControlNet changes the image");
        assertArrayEquals(pngs.get(1), pngs.get(2), "folder and single file give the same image");

        // a second call on the same folder resumes and continues
        String more = Easel.trainControlNet(run(out, 5, 2, 1e-3, true), options(base, data), null);
        assertTrue(more.contains("5 steps (resumed)"), more);

        // a finished run rerun with --save-dtype fp16 trains nothing and rewrites both files in half precision, which load
        Map<String, Tensor> fp32 = SafeTensors.readAll(fin.resolve("diffusion_pytorch_model.safetensors"));
        String half = Easel.trainControlNet(run(out, 5, 2, 1e-3, true), options(base, data).withSaveDtype("fp16"), null);
        assertTrue(half.contains("5 steps (resumed)"), half);
        assertEquals(5, io.easel.train.TrainingLog.read(out.resolve("checkpoints/train_log.jsonl")).size(), "no step trained");
        for (String f : List.of("diffusion_pytorch_model.safetensors", "controlnet.safetensors"))
            try (SafeTensors st = SafeTensors.open(fin.resolve(f))) {
                assertTrue(st.infos().values().stream().allMatch(i -> i.dtype().equals("F16")), f + " in float16");
            }
        try (ControlNetModel a = ControlNetFiles.load(fin, TinyBase.UNET, DType.FP32);
             ControlNetModel b = ControlNetFiles.load(fin.resolve("controlnet.safetensors"), TinyBase.UNET, DType.FP32)) {
            assertEquals(fp32.keySet(), a.parameters().keySet());
            for (Map.Entry<String, Param> e : a.parameters().entrySet()) {
                Tensor want = fp32.get(e.getKey()).to(torch.ScalarType.Half).to(torch.ScalarType.Float);
                assertTrue(e.getValue().get().equal(want), e.getKey() + ": the trained weight rounded to half");
                assertTrue(e.getValue().get().equal(b.parameters().get(e.getKey()).get()), e.getKey());
            }
        }
    }

    @Test
    void theCliTrainsAndShowsTheDefaults() {
        StringWriter o = new StringWriter();
        assertEquals(0, Main.run(new String[]{"train", "controlnet", "--help"}, new PrintWriter(o, true), new PrintWriter(new StringWriter(), true)));
        String help = o.toString().replaceAll("\\s+", " ");
        for (String s : List.of("--steps 10000", "--batch-size 4", "--lr 1e-5", "--checkpoint-every 500", "default: 0.5", "the paper's 50%",
                "train_controlnet.py default to 0", "16,32,96,256", "--condition", "--init", "--hint-channels",
                "--save-dtype", "fp32 or fp16 for the final model's files (default: fp32)"))
            assertTrue(help.contains(s), s + " in " + help);
        Path[] bd = baseAndData(3);
        Path out = tmp.resolve("cli-run");
        assertEquals(0, cli("train", "controlnet", "--model", bd[0].toString(), "--data", bd[1].toString(), "--condition", "mask",
                "--resolution", "32", "--hint-channels", "8,8,16,16", "--steps", "2", "--batch-size", "2", "--prompt-dropout", "0", "-o", out.toString()));
        assertTrue(Files.isRegularFile(out.resolve("final/controlnet.safetensors")));
    }

    @Test
    void theZeroInitialisedControlNetLeavesTheBasePredictionUnchanged() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
             UNet2DConditionModel unet = new UNet2DConditionModel(TinyBase.UNET)) {
            unet.init(torch.createCPUGenerator(1), DType.FP32);
            ControlNetModel cn = ControlNetModel.fromUNet(unet, ControlNetConfig.of(TinyBase.UNET, 3, TinyBase.HINT, ControlNetConfig.ChannelOrder.RGB, false),
                    torch.createCPUGenerator(2));
            Generator gen = torch.createCPUGenerator(3);
            Tensor latents = randn(gen, 2, 4, 4, 4), ctx = randn(gen, 2, 77, 32), noise = randn(gen, 2, 4, 4, 4);
            Tensor cond = torch.rand(new long[]{2, 3, 32, 32}, new GeneratorOptional(gen), T.opts(torch.ScalarType.Float));
            Tensor t = T.fromLongs(new long[]{10, 900}, 2);
            ResidualProvider control = (noisy, ts, c) -> cn.forward(noisy, ts, c, cond, 1.0, ControlNetModel.SoftWeights.NONE);
            DiffusionStep step = new DiffusionStep(unet, SchedulerConfig.SD15);
            DiffusionStep.Output plain = step.compute(latents, ctx, noise, t, null), with = step.compute(latents, ctx, noise, t, control);
            assertTrue(plain.pred().equal(with.pred()), "step 0: the UNet's prediction, bit for bit");
            assertEquals(plain.loss().item().toDouble(), with.loss().item().toDouble());
            ControlResiduals r = control.residuals(plain.noisy(), t, ctx);
            assertEquals(TinyBase.UNET.blockOutChannels().size() * 2, r.down().size());
            // the test can fail: a non-zero zero-convolution changes the prediction
            cn.parameters().get("controlnet_mid_block.bias").set(torch.ones(new long[]{64}, T.opts(torch.ScalarType.Float)));
            assertFalse(plain.pred().equal(step.compute(latents, ctx, noise, t, control).pred()));
            cn.close();
        }
    }

    @Test
    void onlyTheControlNetTrainsAndTheBaseStaysLocked() {
        Path[] bd = baseAndData(4);
        try (ControlNetRecipe.Session s = ControlNetRecipe.prepare(recipeRun(tmp.resolve("run"), 3, 2, 1e-3), recipeOptions(bd[0], bd[1]), null)) {
            StableDiffusion sd = s.base();
            Map<String, Tensor> base = snapshot("unet.", sd.unet().parameters(), new HashMap<>());
            snapshot("vae.", sd.vae().parameters(), base);
            snapshot("text.", sd.textEncoder().parameters(), base);
            Map<String, Tensor> cn = snapshot("", s.controlNet().parameters(), new HashMap<>());
            // the encoder copy starts equal to the UNet's, in its own storage
            assertTrue(cn.get("down_blocks.0.resnets.0.conv1.weight").equal(base.get("unet.down_blocks.0.resnets.0.conv1.weight")));
            ControlNetRecipe.Result r = s.run();
            assertEquals(3, r.steps());
            List<String> changed = new ArrayList<>();
            sd.unet().parameters().forEach((k, p) -> { if (!p.get().equal(base.get("unet." + k))) changed.add("unet." + k); });
            sd.vae().parameters().forEach((k, p) -> { if (!p.get().equal(base.get("vae." + k))) changed.add("vae." + k); });
            sd.textEncoder().parameters().forEach((k, p) -> { if (!p.get().equal(base.get("text." + k))) changed.add("text." + k); });
            assertEquals(List.of(), changed, "the base model is locked");
            int trained = 0;
            for (Map.Entry<String, Param> e : s.controlNet().parameters().entrySet()) if (!e.getValue().get().equal(cn.get(e.getKey()))) trained++;
            // step 1 moves only the zero convolutions (everything else gets its gradient through them); steps 2 and 3 move the rest
            assertEquals(cn.size(), trained, "every ControlNet parameter trains");
        }
    }

    private static Map<String, Tensor> snapshot(String prefix, Map<String, Param> params, Map<String, Tensor> into) {
        try (NoGradGuard g = new NoGradGuard()) {
            params.forEach((k, p) -> into.put(prefix + k, p.get().clone()));
        }
        return into;
    }

    @Test
    void promptDropoutDrawsFromTheStepGenerator() throws Exception {
        boolean[] a = PromptEncoder.dropMask(4000, 0.5, torch.createCPUGenerator(5)), b = PromptEncoder.dropMask(4000, 0.5, torch.createCPUGenerator(5));
        assertArrayEquals(a, b, "same generator seed, same captions dropped");
        int dropped = 0;
        for (boolean x : a) if (x) dropped++;
        assertEquals(0.5, dropped / 4000.0, 0.03);
        assertArrayEquals(new boolean[100], PromptEncoder.dropMask(100, 0, torch.createCPUGenerator(6)));
        for (boolean x : PromptEncoder.dropMask(100, 1, torch.createCPUGenerator(6))) assertTrue(x);
        // the mask takes exactly one uniform draw per caption from the generator, whatever the rate
        for (double rate : new double[]{0, 0.5}) {
            Generator g1 = torch.createCPUGenerator(7), g2 = torch.createCPUGenerator(7);
            PromptEncoder.dropMask(3, rate, g1);
            torch.rand(new long[]{3}, new GeneratorOptional(g2), T.opts(torch.ScalarType.Float));
            assertTrue(randn(g1, 4).equal(randn(g2, 4)));
        }
        // a dropped caption is encoded as the empty prompt
        try (CLIPTextModel text = new CLIPTextModel(TinyBase.TEXT)) {
            text.init(torch.createCPUGenerator(8), DType.FP32);
            PromptEncoder enc = new PromptEncoder(ClipTokenizer.bundled(), ClipTokenizer.Padding.SD1, text);
            List<String> caps = List.of("a red circle", "a blue square");
            Tensor dropped2 = enc.encode(caps, 1.0, torch.createCPUGenerator(9)), empty = enc.encode(List.of("", ""), 0.0, torch.createCPUGenerator(9));
            assertTrue(dropped2.equal(empty));
            assertFalse(enc.encode(caps, 0.0, torch.createCPUGenerator(9)).equal(empty));
        }
        // whole runs: the same seed gives the same ControlNet, bit for bit; another seed another one
        Path[] bd = baseAndData(4);
        List<Map<String, Tensor>> finals = new ArrayList<>();
        for (long seed : new long[]{3, 3, 4}) {
            Path out = tmp.resolve("seed" + seed + "-" + finals.size());
            TrainRun r = new TrainRun(out, seed, 2, 2, 1, 1e-3, "constant", 0, 1.0, 0, 2, true, false, null, 0);
            Easel.trainControlNet(r, options(bd[0], bd[1]), null);
            finals.add(SafeTensors.readAll(out.resolve("final/diffusion_pytorch_model.safetensors")));
        }
        assertTrue(same(finals.get(0), finals.get(1)), "same seed");
        assertFalse(same(finals.get(0), finals.get(2)), "another seed");
    }

    private static boolean same(Map<String, Tensor> a, Map<String, Tensor> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (String k : a.keySet()) if (!a.get(k).equal(b.get(k))) return false;
        return true;
    }

    static Tensor randn(Generator g, long... shape) {
        return torch.randn(shape, new GeneratorOptional(g), T.opts(torch.ScalarType.Float));
    }

    /**
     * The test. Metric: held-out denoising MSE, the epsilon loss on 16 unseen pairs at
     * t = 100, 300, 500 with fixed noise, with the ControlNet fed each pair's own condition and
     * fed another pair's. (Near t = 1000 the noise target is almost the noisy latent itself, and
     * no condition can help much.) At step 0 the two are equal, and equal to the base alone (the residuals
     * are exactly zero, see {@link #theZeroInitialisedControlNetLeavesTheBasePredictionUnchanged});
     * after 300 steps the own condition must give a clearly lower MSE than another pair's, so the
     * ControlNet follows its condition and does not merely compensate the random base.
     *
     * <p>16x16 images through a two-level VAE (factor 2) and a two-stage hint network: four
     * default-initialised convolutions in a row shrink the condition's variation about 100x where
     * the published eight shrink it about 10^4x (measured: across-example spread 4e-5 at the hint
     * network's output), which a few hundred steps cannot undo (the paper's "sudden convergence").
     */
    @Test
    void aTrainedControlNetFollowsItsCondition() {
        int size = 16;
        Path data = tmp.resolve("data"), held = tmp.resolve("held");
        List<Path> images = TinyBase.pairs(data, 64, 1, size);
        TinyBase.pairs(held, 16, 2, size);
        Path base = TinyBase.write(tmp.resolve("base"), images, 2), out = tmp.resolve("run");
        long t0 = System.nanoTime();
        Easel.trainControlNet(run(out, FOLLOW_STEPS, 8, FOLLOW_LR, true), new ControlNetTraining(base, data, "mask", size, List.of(16, 16), null, 0.5), null);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        try (StableDiffusion sd = StableDiffusion.load(base, LoadOptions.DEFAULT.withPack(false));
             ControlNetModel cn = ControlNetFiles.load(out.resolve("final"), sd.unet().config(), DType.FP32);
             NoGradGuard g = new NoGradGuard()) {
            PairDataset ds = PairDataset.folder(held, "mask");
            ImageBatches.Batch b = new ImageBatches(ds, size).batch(java.util.stream.IntStream.range(0, ds.size()).toArray());
            Tensor latents = sd.vae().encode(b.images()).mean().mul(T.s(sd.scalingFactor()));
            Tensor ctx = PromptEncoder.of(sd).encode(b.captions(), 0, torch.createCPUGenerator(0));
            Tensor cond = b.conditions(), other = torch.roll(cond, new long[]{1}, new long[]{0});
            double alone = heldOutMse(sd, latents, ctx, null);
            double own = heldOutMse(sd, latents, ctx, (x, t, c) -> cn.forward(x, t, c, cond, 1.0, ControlNetModel.SoftWeights.NONE));
            double shuffled = heldOutMse(sd, latents, ctx, (x, t, c) -> cn.forward(x, t, c, other, 1.0, ControlNetModel.SoftWeights.NONE));
            System.out.printf(java.util.Locale.ROOT, "held-out denoising MSE: step 0 (= base alone) %.4f; after %d steps with the own condition %.4f, "
                    + "with another pair's %.4f (gain %.1f%%; %.1f s of training)%n", alone, FOLLOW_STEPS, own, shuffled, 100 * (shuffled / own - 1), trainSeconds);
            assertTrue(own < 0.6 * alone, "trained " + own + " vs step 0 " + alone);
            assertTrue(shuffled > 1.05 * own, "own condition " + own + " vs another pair's " + shuffled);
        }
    }

    static final int FOLLOW_STEPS = 300;
    static final double FOLLOW_LR = 3e-3;

    private static double heldOutMse(StableDiffusion sd, Tensor latents, Tensor ctx, ResidualProvider control) {
        DiffusionStep step = new DiffusionStep(sd.unet(), sd.scheduler());
        double sum = 0;
        long[] ts = {100, 300, 500};
        for (long t : ts) {
            Tensor noise = randn(torch.createCPUGenerator(t), T.shape(latents));
            Tensor timesteps = torch.full(new long[]{latents.size(0)}, T.s(t), T.opts(torch.ScalarType.Long));
            sum += step.compute(latents, ctx, noise, timesteps, control).loss().item().toDouble();
        }
        return sum / ts.length;
    }

    @Test
    void badInputIsRefusedBeforeTraining() throws Exception {
        Path[] bd = baseAndData(3);
        Path base = bd[0], data = bd[1], out = tmp.resolve("bad");
        // a condition of another size
        java.awt.image.BufferedImage small = new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Path wrong = tmp.resolve("wrong");
        copyTree(data, wrong);
        javax.imageio.ImageIO.write(small, "png", wrong.resolve("conditions/mask/0001.png").toFile());
        assertRefused(base, wrong, "mask", "0001", "16x16");
        // a missing condition, a corrupt image, an empty dataset, no condition kind
        Path missing = tmp.resolve("missing");
        copyTree(data, missing);
        Files.delete(missing.resolve("conditions/mask/0002.png"));
        assertRefused(base, missing, "mask", "captions.txt:3", "no condition");
        Path corrupt = tmp.resolve("corrupt");
        copyTree(data, corrupt);
        Files.write(corrupt.resolve("images/0000.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        assertRefused(base, corrupt, "mask", "0000.png");
        Path empty = tmp.resolve("empty");
        copyTree(data, empty);
        Files.writeString(empty.resolve("captions.txt"), "\n");
        assertRefused(base, empty, "mask", "empty");
        assertRefused(base, data, null, "choose one with --condition (mask)");
        assertRefused(base, data, "depth", "conditions/depth/");
        // options the model cannot take
        var e = assertThrows(IllegalArgumentException.class, () -> Easel.trainControlNet(run(out, 2, 2, 1e-3, false),
                new ControlNetTraining(base, data, "mask", 32, List.of(16, 32, 64), null, 0.5), null));
        assertTrue(e.getMessage().contains("--hint-channels") && e.getMessage().contains("8x"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainControlNet(run(out, 2, 2, 1e-3, false),
                new ControlNetTraining(base, data, "mask", 36, null, null, 0.5), null));
        assertTrue(e.getMessage().contains("--resolution 36"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainControlNet(run(out, 2, 2, 1e-3, false),
                new ControlNetTraining(base, data, "mask", 32, null, null, 1.5), null));
        assertTrue(e.getMessage().contains("--prompt-dropout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainControlNet(run(out, 2, 2, 1e-3, false),
                options(base, data).withSaveDtype("bf16"), null));
        assertEquals("--save-dtype must be fp32 or fp16, got 'bf16'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainControlNet(run(out, 2, 2, 1e-3, false),
                new ControlNetTraining(tmp.resolve("nobase"), data, "mask", 32, null, null, 0.5), null));
        assertTrue(e.getMessage().contains("--model") && e.getMessage().contains("nobase"), e.getMessage());
        assertFalse(Files.exists(out.resolve("checkpoints")), "nothing trained");
    }

    private void assertRefused(Path base, Path data, String kind, String... parts) {
        Path out = tmp.resolve("refused");
        var e = assertThrows(IllegalArgumentException.class, () -> Easel.trainControlNet(run(out, 2, 2, 1e-3, false),
                new ControlNetTraining(base, data, kind, 32, TinyBase.HINT, null, 0.5), null));
        for (String p : parts) assertTrue(e.getMessage().contains(p), p + " in: " + e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }
}
