package io.easel.train.recipes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.api.Easel;
import io.easel.api.TrainRun;
import io.easel.models.clip.CLIPConfig;
import io.easel.models.clip.CLIPModel;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.clip.CLIPVisionConfig;
import io.easel.pipeline.ComponentFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.train.StepRecord;
import io.easel.train.TrainingLog;
import io.easel.train.shapes.ShapesDataset;
import io.easel.train.shapes.ShapesWorld;
import io.easel.weights.ModuleLoader;
import io.easel.weights.SafeTensors;
import io.easel.weights.TensorSource;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The clip recipe end to end on tiny shapes-world data: outputs the loaders read, metrics, learning, refusals. */
class ClipRecipeTest {
    @TempDir Path tmp;

    /** {@code count} 48-pixel scenes and {@code holdout} held-out ones, images and captions only. */
    static Path shapes(Path dir, int count, int holdout) {
        ShapesDataset.Options o = ShapesDataset.Options.defaults().withConditions(List.of()).withThreads(1).withHoldout(holdout);
        o = o.withWorld(o.world().withSize(48));
        ShapesDataset.generate(dir, count, 3, o);
        return dir;
    }

    @Test
    void facadeWritesTheModelTheLoadersRead() throws Exception {
        Path data = shapes(tmp.resolve("data"), 12, 6), out = tmp.resolve("run");
        String summary = Easel.trainClip(data, null, 16, 0.1, TrainRun.defaults(out).withSteps(2).withBatchSize(4));
        assertTrue(summary.contains("trained 2 steps"), summary);
        assertTrue(summary.contains("held-out retrieval (6 pairs, groups of 4)"), summary);
        Path fin = out.resolve("final");
        for (String f : List.of("clip/config.json", "clip/model.safetensors", "clip/preprocessor_config.json", "text_encoder/config.json",
                "text_encoder/model.safetensors", "tokenizer/vocab.json", "tokenizer/merges.txt", "metrics.json"))
            assertTrue(Files.isRegularFile(fin.resolve(f)), f);
        assertTrue(Files.isDirectory(out.resolve("checkpoints/checkpoint-2/clip")));

        // the CLIPModel folder loads strictly into CLIPModel; its text tower is what text_encoder/ holds
        CLIPConfig cfg = CLIPConfig.fromJson(io.easel.models.ConfigJson.read(fin.resolve("clip/config.json")));
        assertEquals(ClipRecipe.preset(16), cfg);
        CLIPModel clip = new CLIPModel(cfg);
        try (TensorSource src = SafeTensors.open(fin.resolve("clip/model.safetensors"))) {
            assertEquals(clip.parameters().size(), src.infos().size());
            ModuleLoader.load(clip, src, DType.FP32, k -> false);
        }
        CLIPTextModel te = ComponentFiles.textEncoder(fin.resolve("text_encoder"), DType.FP32);
        assertEquals(cfg.textConfig(), te.config());
        ClipTokenizer tok = ClipTokenizer.fromFolder(fin.resolve("tokenizer"));
        long[] ids = tok.sd1Ids("a red circle left of a blue star");
        assertArrayEquals(ClipTokenizer.bundled().sd1Ids("a red circle left of a blue star"), ids);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor x = T.fromLongs(ids, 1, 77);
            assertArrayEquals(T.toFloats(clip.textModel().forward(x, 1)), T.toFloats(te.forward(x, 1)), 0f);
        }

        JsonNode m = new ObjectMapper().readTree(fin.resolve("metrics.json").toFile());
        assertEquals(2, m.get("steps").asInt());
        JsonNode h = m.get("holdout_retrieval");
        assertEquals(6, h.get("pairs").asInt());
        for (String k : List.of("image_to_caption_top1", "caption_to_image_top1", "chance_top1", "image_to_caption_top1_all")) {
            double v = h.get(k).asDouble();
            assertTrue(v >= 0 && v <= 1, k + " = " + v);
        }
        assertTrue(h.get("chance_top1").asDouble() >= 0.25 - 1e-9, "at least 1 in 4 in groups of at most 4");
        assertTrue(m.get("image_normalization").asText().contains("0.48145466"));

        // a second call on the finished run resumes, trains nothing and rewrites final/, here with --save-dtype fp16
        Map<String, Tensor> fp32 = SafeTensors.readAll(fin.resolve("clip/model.safetensors"));
        String again = Easel.trainClip(data, null, 16, 0.1, "fp16", TrainRun.defaults(out).withSteps(2).withBatchSize(4));
        assertTrue(again.contains("resumed to 2 steps"), again);
        assertEquals(2, TrainingLog.read(out.resolve("checkpoints/train_log.jsonl")).size(), "no step trained");
        Map<String, Tensor> fp16 = SafeTensors.readAll(fin.resolve("clip/model.safetensors"));
        assertEquals(fp32.keySet(), fp16.keySet());
        for (String k : fp32.keySet()) {
            assertEquals(torch.ScalarType.Float, T.dtype(fp32.get(k)), k);
            assertTrue(fp16.get(k).equal(fp32.get(k).to(torch.ScalarType.Half)), k + ": the trained weights rounded to half");
        }
        try (SafeTensors f = SafeTensors.open(fin.resolve("text_encoder/model.safetensors"))) {
            assertTrue(f.infos().values().stream().allMatch(i -> i.dtype().equals("F16")), "text_encoder/ in float16");
        }
        // both load back with the normal loaders, to the fp32 model within half precision
        try (TensorSource src = SafeTensors.open(fin.resolve("clip/model.safetensors"))) {
            ModuleLoader.load(new CLIPModel(cfg), src, DType.FP32, k -> false);
        }
        CLIPTextModel half = ComponentFiles.textEncoder(fin.resolve("text_encoder"), DType.FP32);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor x = T.fromLongs(ids, 1, 77);
            assertArrayEquals(T.toFloats(te.forward(x, 1)), T.toFloats(half.forward(x, 1)), 2e-2f);
        }
    }

    @Test
    void startsFromAnotherClipAndScoresHardNegatives() throws Exception {
        Path data = shapes(tmp.resolve("data"), 12, 8), first = tmp.resolve("first"), second = tmp.resolve("second");
        Easel.trainClip(data, null, 16, 0.1, TrainRun.defaults(first).withSteps(2).withBatchSize(4));
        // one step at a vanishing rate from the first run's CLIP, its text tower replaced by its own text_encoder/
        Path init = first.resolve("final/clip"), initText = first.resolve("final/text_encoder");
        String s = Easel.trainClip(data, null, 16, 0.0, "fp32", init, initText, true,
                TrainRun.defaults(second).withSteps(1).withBatchSize(4).withLr(1e-12));
        assertTrue(s.contains("true caption above its hard negative (chance 0.5): relation "), s);
        Map<String, Tensor> before = SafeTensors.readAll(init.resolve("model.safetensors"));
        Map<String, Tensor> after = SafeTensors.readAll(second.resolve("final/clip/model.safetensors"));
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet())
            assertArrayEquals(T.toFloats(before.get(k)), T.toFloats(after.get(k)), 1e-6f, k + " starts where --init left it");
        JsonNode m = new ObjectMapper().readTree(second.resolve("final/metrics.json").toFile());
        assertTrue(m.get("hard_negatives").asBoolean());
        JsonNode acc = m.get("holdout_retrieval").get("hard_negative_accuracy");
        assertTrue(acc.has("relation") && acc.has("order"), acc.toString());
        // a text encoder of another width cannot replace the tower
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        Files.writeString(other.resolve("config.json"), io.easel.models.ConfigJson.toText(tiny().textConfig().toJson()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Easel.trainClip(data, null, 16, 0.0, "fp32",
                init, other, true, TrainRun.defaults(tmp.resolve("third")).withSteps(1).withBatchSize(4)));
        assertTrue(e.getMessage().startsWith("--init-text-encoder " + other + ": its config differs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainClip(data, null, 16, 0.0, "fp32",
                tmp.resolve("nope"), null, true, TrainRun.defaults(tmp.resolve("third")).withSteps(1).withBatchSize(4)));
        assertTrue(e.getMessage().startsWith("--init " + tmp.resolve("nope") + ": no config.json"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("third/checkpoints")));
    }

    @Test
    void hardNegativesAreExtraCaptionColumnsOnTheImageSide() {
        CLIPModel clip = new CLIPModel(tiny());
        clip.init(torch.createCPUGenerator(7), DType.FP32);
        ClipTokenizer tok = ClipTokenizer.bundled();
        Tensor px = torch.randn(new long[]{2, 3, 16, 16}, T.opts(torch.ScalarType.Float));
        try (NoGradGuard g = new NoGradGuard()) {
            List<String> single = List.of("a red circle", "a large blue star");
            assertEquals(ClipRecipe.loss(clip, px, single, tok, false).item().toDouble(),
                    ClipRecipe.loss(clip, px, single, tok, true).item().toDouble(), 0.0, "one-object captions have no negatives");
            List<String> rel = List.of("a red circle left of a blue star", "a green ring above a white square");
            double plain = ClipRecipe.loss(clip, px, rel, tok, false).item().toDouble();
            double hard = ClipRecipe.loss(clip, px, rel, tok, true).item().toDouble();
            // by hand: image i against its caption, the other caption and all 6 negatives; captions against the 2 images
            List<String> texts = new java.util.ArrayList<>(rel);
            for (String c : rel) texts.addAll(io.easel.train.shapes.Captions.hardNegatives(c).values());
            assertEquals(8, texts.size());
            Tensor logits = clip.logitsPerImage(clip.imageEmbeds(px), clip.textEmbeds(ClipRecipe.ids(texts, tok)), ClipRecipe.MAX_LOG_SCALE);
            float[] l = T.toFloats(logits);
            double expect = 0;
            for (int i = 0; i < 2; i++) {
                double z = 0;
                for (int j = 0; j < 8; j++) z += Math.exp(l[i * 8 + j]);
                expect -= l[i * 8 + i] - Math.log(z);
                double zt = Math.exp(l[i]) + Math.exp(l[8 + i]);
                expect -= l[i * 8 + i] - Math.log(zt);
            }
            assertEquals(expect / 4, hard, 1e-5);
            assertTrue(hard > plain, "more negatives, higher loss: " + plain + " -> " + hard);
        }
    }

    /** A model small enough to memorise 8 pairs in a few dozen steps. */
    static CLIPConfig tiny() {
        return new CLIPConfig(new CLIPTextConfig(49408, 32, 64, 1, 2, 77, "quick_gelu", 1e-5),
                new CLIPVisionConfig(32, 64, 1, 2, 16, 8, 3, "quick_gelu", 1e-5, 16), 16, CLIPConfig.LOGIT_SCALE_INIT);
    }

    @Test
    void lossDecreases() throws Exception {
        Path data = shapes(tmp.resolve("data"), 8, 0), out = tmp.resolve("run");
        RecipeRun run = TrainRun.defaults(out).withSteps(40).withBatchSize(8).withLr(2e-3).resolve(40, 8, 2e-3, 40, 5, "constant", false);
        ClipRecipe.Summary s = ClipRecipe.train(data, run, new ClipRecipe.Options(16, 0.0, null, tiny(), null));
        assertNull(s.metrics(), "no holdout folder, no metrics");
        List<StepRecord> log = TrainingLog.read(out.resolve("checkpoints/train_log.jsonl"));
        assertEquals(40, log.size());
        double first = log.get(0).loss(), last = (log.get(37).loss() + log.get(38).loss() + log.get(39).loss()) / 3;
        assertTrue(first > 1.5, "8-way contrastive loss starts near ln 8, got " + first);
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }

    @Test
    void theObjectiveIsSymmetricInfoNceWithSharedCaptionsAsPositives() {
        Tensor t = ClipRecipe.targets(List.of("a", "b", "a", "c"));
        assertArrayEquals(new float[]{.5f, 0, .5f, 0, 0, 1, 0, 0, .5f, 0, .5f, 0, 0, 0, 0, 1}, T.toFloats(t), 0f);
        ClipTokenizer tok = ClipTokenizer.bundled();
        Tensor ids = ClipRecipe.ids(List.of("a red circle", "a large blue star above a green ring"), tok);
        assertEquals(2, ids.size(0));
        long[] row1 = new long[(int) ids.size(1)];
        System.arraycopy(tok.sd1Ids("a large blue star above a green ring"), 0, row1, 0, row1.length);
        assertEquals(tok.endId(), row1[row1.length - 1], "the window ends at the longest caption's end token");
        float[] all = T.toFloats(ids.to(org.bytedeco.pytorch.global.torch.ScalarType.Float));
        for (int i = 0; i < row1.length; i++) assertEquals(row1[i], (long) all[row1.length + i]);
        // CLIP's normalisation: mid-grey [-1,1] = 0 -> (0.5 - mean) / std
        float[] px = T.toFloats(ClipRecipe.pixels(org.bytedeco.pytorch.global.torch.zeros(new long[]{1, 3, 1, 1}, T.opts(org.bytedeco.pytorch.global.torch.ScalarType.Float))));
        for (int c = 0; c < 3; c++) assertEquals((0.5 - ClipRecipe.MEAN[c]) / ClipRecipe.STD[c], px[c], 1e-6);
    }

    @Test
    void badInputFailsBeforeTraining() {
        Path out = tmp.resolve("run");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Easel.trainClip(tmp.resolve("nope"), null, 64, 0.1, TrainRun.defaults(out)));
        assertEquals("--data " + tmp.resolve("nope") + ": no such file or folder", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainClip(tmp, null, 60, 0.1, TrainRun.defaults(out)));
        assertTrue(e.getMessage().startsWith("--image-size must be a positive multiple of the patch size 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Easel.trainClip(tmp, null, 64, -1, TrainRun.defaults(out)));
        assertTrue(e.getMessage().startsWith("--weight-decay"), e.getMessage());
        for (String d : List.of("bf16", "fp8")) {
            e = assertThrows(IllegalArgumentException.class, () -> Easel.trainClip(tmp, null, 64, 0.1, d, TrainRun.defaults(out)));
            assertEquals("--save-dtype must be fp32 or fp16, got '" + d + "'", e.getMessage());
        }
        assertFalse(Files.exists(out.resolve("checkpoints")));
    }
}
