package io.easel.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.easel.annotators.Annotator;
import io.easel.annotators.Canny;
import io.easel.annotators.Image;
import io.easel.annotators.Images;
import io.easel.pipeline.Canvas;
import io.easel.pipeline.Diffusion;
import io.easel.pipeline.InitImage;
import io.easel.pipeline.LoadOptions;
import io.easel.pipeline.PipelineImages;
import io.easel.pipeline.Prompt;
import io.easel.pipeline.SamplingSpec;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.Rng;
import io.easel.sampling.SamplerKind;
import io.easel.sampling.Schedule;
import io.easel.sampling.SchedulerConfig;
import io.easel.sampling.StandInCase;
import io.easel.sampling.StepListener;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Family;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Handlers for randn, scheduler, clip_tokenizer, txt2img/img2img and annotator cases. */
final class CoreHandlers {
    private CoreHandlers() {}

    static double randn(CaseContext c) {
        Rng rng = new Rng(c.json.get("seed").asLong());
        for (JsonNode d : c.json.get("draws")) {
            long[] shape = longs(d.get("shape"));
            c.compareData(d.get("name").asText(), rng.randn(shape));
        }
        return c.maxErr();
    }

    static double scheduler(CaseContext c) {
        SamplerKind kind = SamplerKind.parse(c.str("sampler"));
        SchedulerConfig cfg = SchedulerConfig.fromJson(c.json.get("config"));
        int steps = c.json.get("steps").asInt();
        StandInCase.Result r = StandInCase.run(kind, cfg, steps, c.json.path("eta").asDouble(0), c.json.get("noise_seed").asLong());
        Schedule s = r.schedule();
        compareArray(c, "timesteps", s.timesteps(), c.json.get("timesteps"));
        if (c.json.hasNonNull("sigmas")) compareArray(c, "sigmas", s.sigmas(), c.json.get("sigmas"));
        double init = c.json.get("init_noise_sigma").asDouble();
        double e = Math.abs(s.initNoiseSigma() - init) / Math.max(1, Math.abs(init));
        if (e > c.tolerance()) c.fail("init_noise_sigma " + s.initNoiseSigma() + " != " + init);
        for (Map.Entry<String, Tensor> t : r.tensors().entrySet()) c.compareData(t.getKey(), t.getValue());
        return c.maxErr();
    }

    private static void compareArray(CaseContext c, String name, double[] actual, JsonNode expected) {
        if (actual.length != expected.size()) {
            c.fail(name + ": " + actual.length + " values, expected " + expected.size());
            return;
        }
        float[] a = new float[actual.length], e = new float[actual.length];
        for (int i = 0; i < a.length; i++) { a[i] = (float) actual[i]; e[i] = (float) expected.get(i).asDouble(); }
        c.compare(name, T.fromFloats(a, a.length), T.fromFloats(e, e.length));
    }

    static double clipTokenizer(CaseContext c) {
        ClipTokenizer tok = ClipTokenizer.fromFolder(c.model(c.str("tokenizer")));
        int mismatches = 0;
        for (JsonNode k : c.json.get("cases")) {
            String p = k.get("prompt").asText();
            mismatches += check(c, p, "tokens", toLongs(tok.encode(p)), k.get("tokens"));
            if (k.has("sd1_ids")) mismatches += check(c, p, "sd1_ids", tok.sd1Ids(p), k.get("sd1_ids"));
            if (k.has("sd2_ids")) mismatches += check(c, p, "sd2_ids", tok.sd2Ids(p), k.get("sd2_ids"));
            if (k.has("chunks_sd1")) {
                List<long[]> ch = tok.chunks(p, ClipTokenizer.Padding.SD1);
                JsonNode exp = k.get("chunks_sd1");
                if (ch.size() != exp.size()) { c.fail("'" + p + "' chunks: " + ch.size() + " != " + exp.size()); mismatches++; }
                else for (int i = 0; i < ch.size(); i++) mismatches += check(c, p, "chunk " + i, ch.get(i), exp.get(i));
            }
        }
        return mismatches;
    }

    private static int check(CaseContext c, String prompt, String what, long[] actual, JsonNode expected) {
        long[] e = longs(expected);
        if (java.util.Arrays.equals(actual, e)) return 0;
        c.fail("'" + prompt + "' " + what + " differ");
        return 1;
    }

    static double generate(CaseContext c) {
        if (c.json.has("controlnets") && c.json.get("controlnets").size() > 0) return Handlers.controlTxt2img(c);
        try (StableDiffusion sd = load(c)) {
            Diffusion.Result r = Diffusion.run(sd, prompt(c), canvas(c), spec(c), initImage(c, sd), List.of(), StepListener.NONE);
            compareResult(c, r);
        }
        return c.maxErr();
    }

    static StableDiffusion load(CaseContext c) {
        LoadOptions opts = LoadOptions.DEFAULT.withOverrides(overrides(c.json)).withDtype(DType.FP32);
        StableDiffusion sd = StableDiffusion.load(c.model(c.str("model")), opts);
        sd.setScheduler(SchedulerConfig.fromJson(c.json.get("scheduler_config")));
        return sd;
    }

    static ArchOverrides overrides(JsonNode json) {
        ArchOverrides o = ArchOverrides.NONE;
        if (json.hasNonNull("arch_overrides")) {
            Map<String, Object> m = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = json.get("arch_overrides").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isArray()) {
                    List<Integer> l = new ArrayList<>();
                    e.getValue().forEach(x -> l.add(x.asInt()));
                    m.put(e.getKey(), l);
                } else m.put(e.getKey(), e.getValue().asInt());
            }
            o = ArchOverrides.fromMap(m);
        }
        if (json.hasNonNull("arch")) o = o.withFamily(Family.parse(json.get("arch").asText()));
        return o;
    }

    static Prompt prompt(CaseContext c) {
        return new Prompt(c.str("prompt"), c.json.path("negative_prompt").asText(""), c.json.path("clip_skip").asInt(1));
    }

    static Canvas canvas(CaseContext c) {
        if (c.json.has("width")) return new Canvas(c.json.get("width").asInt(), c.json.get("height").asInt(), c.json.path("batch").asInt(1));
        Image init = Images.read(c.file(c.str("init_image")));
        return new Canvas(init.width(), init.height(), c.json.path("batch").asInt(1));
    }

    static SamplingSpec spec(CaseContext c) {
        return new SamplingSpec(SamplerKind.parse(c.str("sampler")), c.json.get("steps").asInt(), c.json.get("cfg").asDouble(),
                c.json.path("eta").asDouble(0), c.json.get("seed").asLong());
    }

    static InitImage initImage(CaseContext c, StableDiffusion sd) {
        if (!c.json.hasNonNull("init_image")) return null;
        return new InitImage(PipelineImages.toTensor(Images.read(c.file(c.str("init_image")))), c.json.get("strength").asDouble());
    }

    static void compareResult(CaseContext c, Diffusion.Result r) {
        c.compareData(c.json.at("/expected/latents").asText(), r.latents());
        c.compareData(c.json.at("/expected/image").asText(), r.images());
    }

    static double annotator(CaseContext c) {
        String kind = c.str("annotator");
        Map<String, String> opts = new LinkedHashMap<>();
        c.json.path("options").fields().forEachRemaining(e -> opts.put(e.getKey(), e.getValue().asText()));
        Image out = Annotator.byName(kind).run(c.file(c.str("input")), opts);
        Image expected = Images.read(c.file(c.str("expected")));
        double f1 = Canny.edgeF1(expected, out);
        double min = c.json.path("min_f1").asDouble(1.0);
        if (!(f1 >= min)) c.fail("edge F1 " + f1 + " below " + min);
        return f1;
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }
}
