package io.easel.conformance;

import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.pipeline.ComponentFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/** The case kinds Easel implements. */
final class Handlers {
    private Handlers() {}

    static Map<String, CaseHandler> all() {
        Map<String, CaseHandler> m = new LinkedHashMap<>();
        m.put("unet", Handlers::unet);
        m.put("vae_encode", Handlers::vaeEncode);
        m.put("vae_decode", Handlers::vaeDecode);
        m.put("clip_text_encoder", Handlers::clipTextEncoder);
        m.put("randn", CoreHandlers::randn);
        m.put("scheduler", CoreHandlers::scheduler);
        m.put("clip_tokenizer", CoreHandlers::clipTokenizer);
        m.put("txt2img", CoreHandlers::generate);
        m.put("img2img", CoreHandlers::generate);
        m.put("annotator", new CaseHandler() {
            @Override public double run(CaseContext c) { return CoreHandlers.annotator(c); }
            @Override public String component(com.fasterxml.jackson.databind.JsonNode j) { return j.path("annotator").asText("annotator"); }
            @Override public String metric() { return "f1"; }
        });
        m.put("controlnet", ControlNetHandlers::controlnet);
        m.put("multi_controlnet", ControlNetHandlers::multiControlnet);
        m.put("train_unet_step", TrainingHandlers::trainUnetStep);
        m.put("train_controlnet_step", TrainingHandlers::trainControlnetStep);
        return m;
    }

    /** txt2img with ControlNet units (diffusers StableDiffusionControlNetPipeline semantics, control mode balanced). */
    static double controlTxt2img(CaseContext c) {
        String mode = c.json.path("control_mode").asText("balanced");
        java.util.List<io.easel.models.controlnet.ControlNetModel> nets = new java.util.ArrayList<>();
        try (io.easel.pipeline.StableDiffusion sd = CoreHandlers.load(c)) {
            java.util.List<io.easel.pipeline.ResidualSource> units = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode u : c.json.get("controlnets")) {
                var net = io.easel.pipeline.ControlNetFiles.load(c.model(u.get("model").asText()), sd.unet().config(),
                        CoreHandlers.overrides(c.json), DType.FP32, true);
                nets.add(net);
                Tensor cond = io.easel.pipeline.PipelineImages.toUnitTensor(io.easel.annotators.Images.read(c.file(u.get("image").asText())));
                units.add(new io.easel.pipeline.ControlUnit(net, cond, u.path("weight").asDouble(1), u.path("start").asDouble(0),
                        u.path("end").asDouble(1), io.easel.pipeline.ControlUnit.ControlMode.parse(mode)));
            }
            var r = io.easel.pipeline.Diffusion.run(sd, CoreHandlers.prompt(c), CoreHandlers.canvas(c), CoreHandlers.spec(c),
                    CoreHandlers.initImage(c, sd), units, io.easel.sampling.StepListener.NONE);
            CoreHandlers.compareResult(c, r);
        } finally {
            nets.forEach(io.easel.models.controlnet.ControlNetModel::close);
        }
        return c.maxErr();
    }

    /** Thrown by a handler for a case whose component kind is not implemented yet: the runner prints SKIP. */
    static final class NotImplemented extends RuntimeException {
        NotImplemented(String what) { super(what + " is not implemented yet"); }
    }

    static double unet(CaseContext c) {
        try (NoGradGuard g = new NoGradGuard(); UNet2DConditionModel unet = ComponentFiles.unet(c.model(c.str("model")), CoreHandlers.overrides(c.json), DType.FP32)) {
            Tensor x = c.data(c.json.at("/inputs/sample").asText());
            Tensor ctx = c.data(c.json.at("/inputs/encoder_hidden_states").asText());
            Tensor t = torch.full(new long[]{x.size(0)}, T.s(c.json.get("timestep").asDouble()), T.opts(torch.ScalarType.Float));
            c.compareData(c.str("expected"), unet.forward(x, t, ctx));
        }
        return c.maxErr();
    }

    static double vaeEncode(CaseContext c) {
        try (NoGradGuard g = new NoGradGuard(); AutoencoderKL vae = ComponentFiles.vae(c.model(c.str("model")), CoreHandlers.overrides(c.json), DType.FP32)) {
            AutoencoderKL.Posterior p = vae.encode(c.data(c.str("input")));
            c.compareData(c.json.at("/expected/mean").asText(), p.mean());
            c.compareData(c.json.at("/expected/logvar").asText(), p.logvar());
            Generator gen = torch.createCPUGenerator(c.json.get("sample_seed").asLong());
            c.compareData(c.json.at("/expected/sample").asText(), p.sample(gen));
        }
        return c.maxErr();
    }

    static double vaeDecode(CaseContext c) {
        try (NoGradGuard g = new NoGradGuard(); AutoencoderKL vae = ComponentFiles.vae(c.model(c.str("model")), CoreHandlers.overrides(c.json), DType.FP32)) {
            c.compareData(c.str("expected"), vae.decode(c.data(c.str("input"))));
        }
        return c.maxErr();
    }

    static double clipTextEncoder(CaseContext c) {
        try (NoGradGuard g = new NoGradGuard(); CLIPTextModel te = ComponentFiles.textEncoder(c.model(c.str("model")), CoreHandlers.overrides(c.json), DType.FP32)) {
            Tensor ids = c.data(c.str("input_ids")).to(torch.ScalarType.Long);
            var outs = c.json.get("outputs").fields();
            while (outs.hasNext()) {
                var e = outs.next();
                int skip = switch (e.getKey()) {
                    case "clip_skip_1" -> 1;
                    case "clip_skip_2" -> 2;
                    case "sd2_penultimate" -> 1; // the mapped SD2 encoder already lacks its last layer
                    default -> throw new IllegalArgumentException("unknown output " + e.getKey());
                };
                c.compareData(e.getValue().asText(), te.forward(ids, skip));
            }
        }
        return c.maxErr();
    }
}
