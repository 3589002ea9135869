package io.easel.train.recipes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPConfig;
import io.easel.models.clip.CLIPModel;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPVisionConfig;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.train.Component;
import io.easel.train.ParamSelector;
import io.easel.train.Seeds;
import io.easel.train.Trainer;
import io.easel.train.data.ImageBatches;
import io.easel.train.data.PairDataset;
import io.easel.train.shapes.Captions;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.weights.ModuleLoader;
import io.easel.weights.SafeTensors;
import io.easel.weights.TensorSource;
import io.easel.weights.Export;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code clip} recipe: a small CLIP text and image pair trained from scratch, contrastively,
 * on the (image, caption) pairs of a {@link PairDataset}. The text tower becomes the text encoder
 * of a diffusion model; the image tower is kept for image prompts.
 *
 * <p>Objective: symmetric InfoNCE over the batch (OpenAI CLIP). The logits are cosine similarities
 * times {@code exp(logit_scale)}, the learnable log temperature starting at ln(1/0.07) and clamped
 * at ln 100 in the forward pass. Rows whose captions are the same text are all positives of each
 * other (the target spreads evenly over them); with distinct captions this is exactly CLIP's
 * cross-entropy against the diagonal.
 *
 * <p>Inputs: images resized (shorter side) and centre-cropped to {@code imageSize}, then normalised
 * with CLIP's per-channel mean and std ({@link #MEAN}, {@link #STD}, transformers'
 * CLIPImageProcessor defaults, written to {@code clip/preprocessor_config.json}); captions through
 * the bundled CLIP tokenizer into SD1-style 77-token windows (start, text, end, padded with the end
 * token). The pooled text output is the hidden state at the end token; since the text tower is
 * causal, each batch's windows are cut after its longest caption, which changes no output.
 *
 * <p>Output {@code OUT/final/}: {@code clip/} (transformers CLIPModel: config.json,
 * model.safetensors, preprocessor_config.json), {@code text_encoder/} (transformers CLIPTextModel, as
 * a diffusers pipeline folder holds it), {@code tokenizer/}, and {@code metrics.json} with
 * zero-shot retrieval on the held-out pairs.
 */
public final class ClipRecipe {
    private ClipRecipe() {}

    /** The recipe name checkpoints record. */
    public static final String NAME = "clip";
    /** CLIP's image normalisation (OpenAI's dataset statistics): mean per RGB channel. */
    public static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** CLIP's image normalisation: standard deviation per RGB channel. */
    public static final double[] STD = {0.26862954, 0.26130258, 0.27577711};
    /** OpenAI CLIP's cap on the log temperature: logits are at most 100 x cosine. */
    public static final double MAX_LOG_SCALE = Math.log(100);

    /** Default optimizer steps. */
    public static final long DEFAULT_STEPS = 2800;
    /** Default examples per batch (the negatives of each example are the rest of its batch). */
    public static final int DEFAULT_BATCH = 64;
    /** Default base learning rate. */
    public static final double DEFAULT_LR = 5e-4;
    /** Default linear warm-up steps. */
    public static final long DEFAULT_WARMUP = 100;
    /** Default schedule after the warm-up. */
    public static final String DEFAULT_SCHEDULE = "cosine";
    /** Default checkpoint interval. */
    public static final long DEFAULT_CHECKPOINT_EVERY = 500;
    /** Default AdamW weight decay (decoupled, applied to every parameter). */
    public static final double DEFAULT_WEIGHT_DECAY = 0.1;
    /** Default training image size. */
    public static final int DEFAULT_IMAGE_SIZE = 64;

    /** Ids of the bundled CLIP tokenizer. */
    private static final int CLIP_VOCAB = 49408;
    /** Seed stream of the model's initial weights. */
    private static final long INIT_STREAM = 101;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The default family's CLIP: text tower 4 layers x 64 wide (the diffusion model's context
     * width), image tower a ViT with 8-pixel patches, 4 layers x 64 wide, joint space of 64.
     * The image tower was planned 128 wide; at batch 64 on one thread its forward and backward
     * took about 0.50 s against 0.23 s at width 64 (text tower included), so it was halved to
     * train about twice the steps in the same time.
     *
     * @param imageSize the image tower's input size, a multiple of 8
     */
    public static CLIPConfig preset(int imageSize) {
        if (imageSize < 8 || imageSize % 8 != 0)
            throw new IllegalArgumentException("--image-size must be a positive multiple of the patch size 8, got " + imageSize);
        CLIPTextConfig text = new CLIPTextConfig(49408, 64, 256, 4, 4, 77, "quick_gelu", 1e-5);
        CLIPVisionConfig vision = new CLIPVisionConfig(64, 256, 4, 4, imageSize, 8, 3, "quick_gelu", 1e-5, 64);
        return new CLIPConfig(text, vision, 64, CLIPConfig.LOGIT_SCALE_INIT);
    }

    /**
     * Recipe settings besides the shared run settings.
     *
     * @param imageSize   training resolution (images are resized and centre-cropped to it)
     * @param weightDecay AdamW weight decay
     * @param holdout     held-out pairs for the retrieval metrics, or null for {@code DATA/holdout} when present
     * @param model       the architecture, or null for {@link #preset} at {@code imageSize}
     * @param saveDtype   precision of the final model's files (clip/ and text_encoder/): float32 (null) or float16
     * @param init        a CLIP folder (transformers CLIPModel) to start from instead of fresh weights, or null
     * @param initText    a text encoder folder (CLIPTextModel) whose weights replace the text tower's, or null
     * @param hardNegatives add each caption's {@link Captions#hardNegatives} to the captions every image is
     *                    scored against (NegCLIP)
     */
    public record Options(int imageSize, double weightDecay, Path holdout, CLIPConfig model, DType saveDtype, Path init,
                          Path initText, boolean hardNegatives) {
        public Options {
            saveDtype = SaveDtype.check(saveDtype);
            if (init != null) {
                if (model != null) throw new IllegalArgumentException("give a CLIP to start from or a model config, not both");
                if (!Files.isRegularFile(init.resolve("config.json")))
                    throw new IllegalArgumentException("--init " + init + ": no config.json (expected a CLIP folder such as models/easel-shapes-clip)");
                model = CLIPConfig.fromJson(ConfigJson.read(init.resolve("config.json")));
            }
            if (initText != null && !Files.isRegularFile(initText.resolve("config.json")))
                throw new IllegalArgumentException("--init-text-encoder " + initText + ": no config.json (expected a text_encoder folder)");
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
            if (model == null) model = preset(imageSize);
            if (model.visionConfig().imageSize() != imageSize)
                throw new IllegalArgumentException("--image-size " + imageSize + " differs from the model's image_size " + model.visionConfig().imageSize());
            if (model.textConfig().vocabSize() < CLIP_VOCAB)
                throw new IllegalArgumentException("the text tower's vocab_size " + model.textConfig().vocabSize() + " is smaller than the CLIP tokenizer's " + CLIP_VOCAB);
        }

        /** The recipe's defaults. */
        public static Options defaults() { return new Options(DEFAULT_IMAGE_SIZE, DEFAULT_WEIGHT_DECAY, null, null, DType.FP32); }

        /** Fresh weights, no hard negatives. */
        public Options(int imageSize, double weightDecay, Path holdout, CLIPConfig model, DType saveDtype) {
            this(imageSize, weightDecay, holdout, model, saveDtype, null, null, false);
        }
    }

    /**
     * Zero-shot retrieval on held-out pairs. A retrieval counts as right when the retrieved
     * caption is the same text as the true one (scenes may share a caption).
     *
     * @param pairs                 held-out pairs
     * @param batch                 pairs per retrieval group (the training batch size)
     * @param imageToCaptionTop1    image to caption, top-1 among the captions of its group
     * @param captionToImageTop1    caption to image, top-1 among the images of its group
     * @param chanceTop1            what guessing scores in the same groups
     * @param imageToCaptionTop1All image to caption, top-1 among all held-out captions
     * @param loss                  the training loss on the groups
     * @param hardNegatives         per {@link Captions.NegativeKind}, the fraction of held-out images whose true
     *                              caption scores above that hard negative (chance 0.5; kinds without pairs left out)
     */
    public record Metrics(int pairs, int batch, double imageToCaptionTop1, double captionToImageTop1, double chanceTop1,
                          double imageToCaptionTop1All, double loss, Map<Captions.NegativeKind, Double> hardNegatives) {}

    /**
     * What a run did.
     *
     * @param steps      optimizer steps done (in all, after a resume)
     * @param lastLoss   the last step's loss
     * @param resumed    whether it continued from a checkpoint
     * @param finalDir   {@code OUT/final}
     * @param metrics    held-out retrieval, or null without held-out pairs
     * @param logitScale the learned temperature's exp(logit_scale)
     */
    public record Summary(long steps, double lastLoss, boolean resumed, Path finalDir, Metrics metrics, double logitScale) {}

    /**
     * Trains (or resumes) and writes {@code OUT/final}.
     *
     * @param data a dataset folder or prompt.json (see {@link PairDataset#open}); condition images are ignored
     * @throws IllegalArgumentException for bad data or settings, before any step
     */
    public static Summary train(Path data, RecipeRun run, Options o) {
        // 1. data, checked before anything runs
        PairDataset train = RecipeData.imagesAndCaptions(data, "--data");
        Path holdoutDir = o.holdout() != null ? o.holdout() : Files.isDirectory(data.resolve("holdout")) ? data.resolve("holdout") : null;
        PairDataset holdout = holdoutDir == null ? null : RecipeData.imagesAndCaptions(holdoutDir, "--holdout");
        ClipTokenizer tok = ClipTokenizer.bundled();
        ImageBatches batches = new ImageBatches(train, o.imageSize());

        // 2. model and trainer (a resume overwrites the fresh weights)
        CLIPConfig cfg = o.model();
        CLIPModel clip = new CLIPModel(cfg);
        clip.init(torch.createCPUGenerator(Seeds.derive(run.seed(), INIT_STREAM, 0)), DType.FP32);
        if (o.init() != null) {
            try (TensorSource src = SafeTensors.open(weightsOf(o.init(), "model.safetensors", "--init"))) {
                ModuleLoader.load(clip, src, DType.FP32, k -> false);
            }
        }
        if (o.initText() != null) {
            CLIPTextConfig tc = CLIPTextConfig.fromJson(ConfigJson.read(o.initText().resolve("config.json")));
            if (!tc.equals(cfg.textConfig()))
                throw new IllegalArgumentException("--init-text-encoder " + o.initText() + ": its config differs from the CLIP's text tower");
            try (TensorSource src = SafeTensors.open(weightsOf(o.initText(), "model.safetensors", "--init-text-encoder"))) {
                ModuleLoader.load(clip.textModel(), io.easel.weights.KeyMaps.textEncoder(src), DType.FP32, k -> false);
            }
        }
        RecipeRun r = new RecipeRun(run.output(), run.seed(), run.steps(), run.batchSize(), run.gradAccumulation(),
                run.optimizer().withWeightDecay(o.weightDecay()), run.lrSchedule(), run.maxGradNorm(), run.checkpointEvery(),
                run.keepCheckpoints(), run.resume(), null, run.progress());
        Component comp = new Component("clip", clip, ParamSelector.ALL, "model.safetensors", ConfigJson.toText(cfg.toJson()));
        Trainer.Result res;
        try (Trainer<ImageBatches.Batch> trainer = new Trainer<>(r.trainerConfig(NAME), List.of(comp), batches,
                (b, gen) -> loss(clip, pixels(b.images()), b.captions(), tok, o.hardNegatives()))) {
            res = trainer.run();
        }

        // 3. held-out retrieval and the published folders
        Metrics m = holdout == null ? null : evaluate(clip, new ImageBatches(holdout, o.imageSize()), tok, r.batchSize());
        double scale = Math.exp(Math.min(clip.logitScale().get().item().toDouble(), MAX_LOG_SCALE));
        Path fin = run.output().resolve("final");
        writeFinal(fin, clip, tok, o, metrics(m, res, scale, data, holdoutDir, o, r));
        return new Summary(res.steps(), res.lastLoss(), res.resumed(), fin, m, scale);
    }

    /**
     * Training images in [-1, 1] to CLIP's normalisation.
     * images: [B,3,S,S] in [-1,1] -> [B,3,S,S]
     */
    public static Tensor pixels(Tensor images) {
        Tensor mean = T.fromFloats(new float[]{(float) MEAN[0], (float) MEAN[1], (float) MEAN[2]}, 1, 3, 1, 1);
        Tensor std = T.fromFloats(new float[]{(float) STD[0], (float) STD[1], (float) STD[2]}, 1, 3, 1, 1);
        return images.add(T.s(1)).mul(T.s(0.5)).sub(mean).div(std);
    }

    /**
     * Token ids of the captions: 77-token windows cut after the longest caption's end token
     * (later positions cannot change the pooled output of a causal text tower).
     * -> [B,N] int64, N <= 77
     */
    public static Tensor ids(List<String> captions, ClipTokenizer tok) {
        List<long[]> rows = new ArrayList<>();
        int n = 1;
        for (String c : captions) {
            long[] w = tok.sd1Ids(c);
            int end = 1;
            while (w[end] != tok.endId()) end++;
            n = Math.max(n, end + 1);
            rows.add(w);
        }
        long[] all = new long[rows.size() * n];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, all, i * n, n);
        return T.fromLongs(all, rows.size(), n);
    }

    /**
     * The contrastive loss of one batch: the mean of the image-to-caption and caption-to-image
     * cross-entropies, each row's target spread over the rows with the same caption.
     * pixels: [B,3,S,S] normalised -> scalar
     */
    public static Tensor loss(CLIPModel clip, Tensor pixels, List<String> captions, ClipTokenizer tok) {
        return loss(clip, pixels, captions, tok, false);
    }

    /**
     * As above; with {@code hardNegatives} (NegCLIP) each image is also scored against the batch's
     * {@link Captions#hardNegatives} (those that are no caption of the batch), extra columns of the
     * image-to-caption cross-entropy with target 0; the caption-to-image direction is unchanged.
     */
    public static Tensor loss(CLIPModel clip, Tensor pixels, List<String> captions, ClipTokenizer tok, boolean hardNegatives) {
        List<String> texts = new ArrayList<>(captions);
        if (hardNegatives) {
            java.util.Set<String> seen = new java.util.HashSet<>(captions);
            for (String c : captions) for (String n : Captions.hardNegatives(c).values()) if (seen.add(n)) texts.add(n);
        }
        int b = captions.size();
        Tensor logits = clip.logitsPerImage(clip.imageEmbeds(pixels), clip.textEmbeds(ids(texts, tok)), MAX_LOG_SCALE); // [B,B+K]
        Tensor target = targets(captions);                                                                                // [B,B], symmetric
        Tensor wide = texts.size() == b ? target : T.cat(List.of(target, torch.zeros(new long[]{b, texts.size() - b}, T.opts(ScalarType.Float))), 1);          // [B,B+K]
        Tensor perImage = wide.mul(logits.log_softmax(1)).sum().neg();
        Tensor perText = target.mul(logits.narrow(1, 0, b).t().log_softmax(1)).sum().neg();
        return perImage.add(perText).div(T.s(2.0 * b));
    }

    /** [B,B]: row i spread evenly over the j whose caption equals caption i (the diagonal when all differ). */
    static Tensor targets(List<String> captions) {
        int b = captions.size();
        float[] t = new float[b * b];
        for (int i = 0; i < b; i++) {
            int same = 0;
            for (int j = 0; j < b; j++) if (captions.get(i).equals(captions.get(j))) same++;
            for (int j = 0; j < b; j++) if (captions.get(i).equals(captions.get(j))) t[i * b + j] = 1f / same;
        }
        return T.fromFloats(t, b, b);
    }

    /**
     * Zero-shot retrieval on {@code pairs} in consecutive groups of {@code batch}, and among all
     * of them; no gradients.
     */
    public static Metrics evaluate(CLIPModel clip, ImageBatches pairs, ClipTokenizer tok, int batch) {
        int n = pairs.size();
        List<String> caps = new ArrayList<>(n);
        double i2t = 0, t2i = 0, chance = 0, lossSum = 0, i2tAll = 0;
        int groups = 0;
        Map<Captions.NegativeKind, int[]> neg = new java.util.EnumMap<>(Captions.NegativeKind.class); // kind -> {wins, pairs}
        try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
            List<Tensor> imgs = new ArrayList<>(), txts = new ArrayList<>();
            for (int start = 0; start < n; start += batch) {
                int len = Math.min(batch, n - start);
                int[] idx = new int[len];
                for (int i = 0; i < len; i++) idx[i] = start + i;
                ImageBatches.Batch b = pairs.batch(idx);
                Tensor img = clip.imageEmbeds(pixels(b.images())), txt = clip.textEmbeds(ids(b.captions(), tok));
                imgs.add(img);
                txts.add(txt);
                caps.addAll(b.captions());
                Tensor logits = clip.logitsPerImage(img, txt, MAX_LOG_SCALE);
                scoreHardNegatives(clip, img, b.captions(), tok, neg);
                i2t += hits(logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false), b.captions(), b.captions());
                t2i += hits(logits.argmax(new org.bytedeco.pytorch.LongOptional(0), false), b.captions(), b.captions());
                for (String c : b.captions()) chance += b.captions().stream().filter(c::equals).count() / (double) len;
                Tensor target = targets(b.captions());
                lossSum += target.mul(logits.log_softmax(1)).sum().neg().add(target.mul(logits.t().log_softmax(1)).sum().neg())
                        .item().toDouble() / 2;
                groups++;
            }
            Tensor all = clip.logitsPerImage(T.cat(imgs, 0), T.cat(txts, 0), MAX_LOG_SCALE); // [N,N]
            i2tAll = hits(all.argmax(new org.bytedeco.pytorch.LongOptional(1), false), caps, caps);
        }
        Map<Captions.NegativeKind, Double> negAcc = new java.util.EnumMap<>(Captions.NegativeKind.class);
        neg.forEach((k, v) -> negAcc.put(k, (double) v[0] / v[1]));
        return new Metrics(n, batch, i2t / n, t2i / n, chance / n, i2tAll / n, lossSum / n, negAcc);
    }

    // per image with hard negatives: whether its caption's cosine beats each negative's
    private static void scoreHardNegatives(CLIPModel clip, Tensor imageEmbeds, List<String> captions, ClipTokenizer tok,
                                           Map<Captions.NegativeKind, int[]> tally) {
        for (int i = 0; i < captions.size(); i++) {
            Map<Captions.NegativeKind, String> negs = Captions.hardNegatives(captions.get(i));
            if (negs.isEmpty()) continue;
            List<String> texts = new ArrayList<>();
            texts.add(captions.get(i));
            texts.addAll(negs.values());
            float[] sim = T.toFloats(clip.logitsPerImage(imageEmbeds.narrow(0, i, 1), clip.textEmbeds(ids(texts, tok)), MAX_LOG_SCALE));
            int j = 1;
            for (Captions.NegativeKind k : negs.keySet()) {
                int[] t = tally.computeIfAbsent(k, x -> new int[2]);
                if (sim[0] > sim[j++]) t[0]++;
                t[1]++;
            }
        }
    }

    private static Path weightsOf(Path dir, String name, String flag) {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) throw new IllegalArgumentException(flag + " " + dir + ": no " + name);
        return f;
    }

    // how many rows i have captions.get(best[i]) equal to truth.get(i)
    private static int hits(Tensor best, List<String> candidates, List<String> truth) {
        long[] b = new long[(int) best.numel()];
        best.contiguous().data_ptr_long().capacity(b.length).get(b);
        int h = 0;
        for (int i = 0; i < b.length; i++) if (candidates.get((int) b[i]).equals(truth.get(i))) h++;
        return h;
    }

    private static ObjectNode metrics(Metrics m, Trainer.Result res, double scale, Path data, Path holdout, Options o, RecipeRun r) {
        ObjectNode j = JSON.createObjectNode();
        j.put("recipe", NAME);
        j.put("steps", res.steps());
        j.put("train_loss_last_step", res.lastLoss());
        j.put("logit_scale_exp", scale);
        j.put("data", data.toString());
        j.put("holdout", holdout == null ? null : holdout.toString());
        j.put("batch_size", r.batchSize());
        j.put("image_size", o.imageSize());
        j.put("image_normalization", "CLIP mean/std: (x - [0.48145466, 0.4578275, 0.40821073]) / [0.26862954, 0.26130258, 0.27577711], x in [0,1]");
        j.put("tokenizer", "bundled CLIP BPE, 77-token windows padded with the end token (SD1)");
        j.put("text_pooling", "hidden state at the end token (argmax of the ids)");
        j.put("hard_negatives", o.hardNegatives());
        if (o.init() != null) j.put("init", o.init().toString());
        if (o.initText() != null) j.put("init_text_encoder", o.initText().toString());
        if (m != null) {
            ObjectNode h = j.putObject("holdout_retrieval");
            h.put("pairs", m.pairs());
            h.put("group_size", m.batch());
            h.put("image_to_caption_top1", m.imageToCaptionTop1());
            h.put("caption_to_image_top1", m.captionToImageTop1());
            h.put("chance_top1", m.chanceTop1());
            h.put("image_to_caption_top1_all", m.imageToCaptionTop1All());
            h.put("loss", m.loss());
            h.put("note", "groups of group_size consecutive held-out pairs; a retrieval is right when the caption text matches");
            ObjectNode hn = h.putObject("hard_negative_accuracy");
            m.hardNegatives().forEach((k, v) -> hn.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        }
        return j;
    }

    /** Writes {@code final/} next to an old one, then swaps it in. */
    private static void writeFinal(Path fin, CLIPModel clip, ClipTokenizer tok, Options o, ObjectNode metrics) {
        FinalFolder.replace(fin, tmp -> {
            Files.createDirectories(tmp.resolve("clip"));
            Files.createDirectories(tmp.resolve("text_encoder"));
            try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
                Files.writeString(tmp.resolve("clip/config.json"), ConfigJson.toText(clip.config().toJson()));
                Export.writeComponent(tmp.resolve("clip/model.safetensors"), Export.convert(detached(Export.stateDict(clip)), o.saveDtype()), null);
                Files.writeString(tmp.resolve("clip/preprocessor_config.json"), ConfigJson.toText(preprocessor(o.imageSize())));
                Files.writeString(tmp.resolve("text_encoder/config.json"), ConfigJson.toText(clip.textModel().config().toJson()));
                Export.writeComponent(tmp.resolve("text_encoder/model.safetensors"),
                        Export.convert(detached(Export.stateDict(clip.textModel())), o.saveDtype()), null);
            }
            io.easel.pipeline.ModelWriter.saveTokenizer(tmp.resolve("tokenizer"), tok, io.easel.weights.Family.SD1);
            Files.writeString(tmp.resolve("metrics.json"), ConfigJson.toText(metrics));
        });
    }

    private static Map<String, Tensor> detached(Map<String, Tensor> m) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.detach()));
        return out;
    }

    /** transformers' CLIPImageProcessor settings for this size: what the image tower expects. */
    static ObjectNode preprocessor(int size) {
        ObjectNode p = JSON.createObjectNode();
        p.putObject("crop_size").put("height", size).put("width", size);
        p.put("do_center_crop", true);
        p.put("do_convert_rgb", true);
        p.put("do_normalize", true);
        p.put("do_rescale", true);
        p.put("do_resize", true);
        var mean = p.putArray("image_mean");
        for (double v : MEAN) mean.add(v);
        p.put("image_processor_type", "CLIPImageProcessor");
        var std = p.putArray("image_std");
        for (double v : STD) std.add(v);
        p.put("resample", 3);
        p.put("rescale_factor", 1.0 / 255);
        p.putObject("size").put("shortest_edge", size);
        return p;
    }
}
