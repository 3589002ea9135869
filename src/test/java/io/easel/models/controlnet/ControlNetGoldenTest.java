package io.easel.models.controlnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.conformance.ConformanceRunner;
import io.easel.models.ConfigJson;
import io.easel.models.controlnet.ControlNetModel.SoftWeights;
import io.easel.models.unet.ControlResiduals;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.pipeline.ComponentFiles;
import io.easel.pipeline.ControlNetFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.weights.ArchOverrides;
import io.easel.weights.SafeTensors;
import io.easel.weights.WeightsException;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The golden ControlNet cases and the tiny golden ControlNets in every layout. */
class ControlNetGoldenTest {
    static Path golden, models;

    @BeforeAll
    static void locate() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null && Files.isDirectory(Path.of(g, "core", "controlnet")), "golden data not available");
        golden = Path.of(g);
        models = golden.resolve("models");
    }

    /** A case's inputs and expected tensors. */
    record Case(JsonNode json, Map<String, Tensor> data) {
        static Case read(String rel) throws IOException {
            Path dir = golden.resolve("core").resolve(rel);
            JsonNode json = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
            Map<String, Tensor> data = new LinkedHashMap<>();
            try (SafeTensors s = SafeTensors.open(dir.resolve(json.get("data").asText()))) {
                for (String k : s.infos().keySet()) data.put(k, s.load(k).to(torch.ScalarType.Float).clone());
            }
            return new Case(json, data);
        }

        Tensor input(String name) { return data.get(json.at("/inputs/" + name).asText()); }

        Tensor t() {
            return torch.full(new long[]{input("sample").size(0)}, T.s(json.get("timestep").asDouble()), T.opts(torch.ScalarType.Float));
        }

        double tolerance() { return json.get("tolerance").asDouble(); }

        /** The README's err: max|A - E| / max(1, max|E|), over the 12 down residuals and mid. */
        double err(ControlResiduals r) {
            JsonNode down = json.at("/expected/down");
            assertEquals(down.size(), r.down().size());
            double e = err(r.mid(), data.get(json.at("/expected/mid").asText()));
            for (int i = 0; i < down.size(); i++) e = Math.max(e, err(r.down().get(i), data.get(down.get(i).asText())));
            return e;
        }

        static double err(Tensor a, Tensor e) {
            assertArrayEquals(T.shape(e), T.shape(a));
            return T.maxAbs(a.sub(e)) / Math.max(1, T.maxAbs(e));
        }
    }

    static ControlResiduals run(ControlNetModel m, Case c, Tensor cond, double scale, SoftWeights soft) {
        return m.forward(c.input("sample"), c.t(), c.input("encoder_hidden_states"), cond, scale, soft);
    }

    static ControlResiduals run(Path model, Case c) {
        try (ControlNetModel m = ControlNetFiles.load(model, null, DType.FP32)) {
            SoftWeights soft = c.json.get("guess_mode").asBoolean() ? SoftWeights.DIFFUSERS_LOGSPACE : SoftWeights.NONE;
            return run(m, c, c.input("cond"), c.json.get("conditioning_scale").asDouble(), soft);
        }
    }

    static void assertBitEqual(ControlResiduals a, ControlResiduals b, String what) {
        assertEquals(a.down().size(), b.down().size(), what);
        for (int i = 0; i < a.down().size(); i++) assertTrue(a.down().get(i).equal(b.down().get(i)), what + ": down" + i);
        assertTrue(a.mid().equal(b.mid()), what + ": mid");
    }

    @Test
    void plainAndGuessModeCasesInEveryLayout() throws IOException {
        for (String name : List.of("controlnet/a_plain", "controlnet/a_guess")) {
            Case c = Case.read(name);
            List<String> layouts = new ArrayList<>();
            layouts.add(c.json.get("model").asText());
            c.json.get("alt_models").forEach(m -> layouts.add(m.asText()));
            assertEquals(2, layouts.size());
            try (NoGradGuard g = new NoGradGuard()) {
                for (String rel : layouts) {
                    double err = c.err(run(golden.resolve(rel), c));
                    assertTrue(err <= c.tolerance(), name + " " + rel + ": err " + err);
                }
            }
        }
    }

    /** Guess mode is diffusers' log-spaced weights: the original 0.825 convention misses the reference beyond the tolerance. */
    @Test
    void guessModeIsTheDiffusersConvention() throws IOException {
        Case c = Case.read("controlnet/a_guess");
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel m = ControlNetFiles.load(models.resolve("tiny-controlnet-a"), null, DType.FP32)) {
            double scale = c.json.get("conditioning_scale").asDouble();
            assertTrue(c.err(run(m, c, c.input("cond"), scale, SoftWeights.DIFFUSERS_LOGSPACE)) <= c.tolerance());
            assertTrue(c.err(run(m, c, c.input("cond"), scale, SoftWeights.ORIGINAL_0825)) > c.tolerance());
            assertTrue(c.err(run(m, c, c.input("cond"), scale, SoftWeights.NONE)) > c.tolerance());
        }
    }

    @Test
    void residualsAddedToTheUNet() throws IOException {
        Case c = Case.read("controlnet/unet_with_residuals");
        try (NoGradGuard g = new NoGradGuard(); UNet2DConditionModel unet = ComponentFiles.unet(golden.resolve(c.json.get("unet").asText()), DType.FP32);
             ControlNetModel cn = ControlNetFiles.load(golden.resolve(c.json.get("model").asText()), unet.config(), ArchOverrides.NONE, DType.FP32, false)) {
            Tensor x = c.input("sample"), ctx = c.input("encoder_hidden_states");
            ControlResiduals r = cn.forward(x, c.t(), ctx, c.input("cond"), c.json.get("conditioning_scale").asDouble(), SoftWeights.NONE);
            Tensor expected = c.data.get(c.json.at("/expected/unet_out").asText());
            double err = Case.err(unet.forward(x, c.t(), ctx, r, null), expected);
            assertTrue(err <= c.tolerance(), "err " + err);
            // and the residuals matter: without them the output is far off
            assertTrue(Case.err(unet.forward(x, c.t(), ctx), expected) > 100 * c.tolerance());
        }
    }

    @Test
    void multiControlNetSumsScaledUnits() throws IOException {
        Case c = Case.read("multi_controlnet/a_b");
        JsonNode ms = c.json.get("models"), scales = c.json.get("conditioning_scales"), conds = c.json.at("/inputs/conds");
        try (NoGradGuard g = new NoGradGuard()) {
            ControlResiduals sum = null;
            for (int i = 0; i < ms.size(); i++) {
                try (ControlNetModel m = ControlNetFiles.load(golden.resolve(ms.get(i).asText()), null, DType.FP32)) {
                    ControlResiduals r = run(m, c, c.data.get(conds.get(i).asText()), scales.get(i).asDouble(), SoftWeights.NONE);
                    sum = sum == null ? r : sum.plus(r);
                }
            }
            double err = c.err(sum);
            assertTrue(err <= c.tolerance(), "err " + err);
        }
    }

    /** The conformance runner's handlers for both kinds: every case PASSes. */
    @Test
    void conformanceRunnerPassesEveryCase() throws IOException {
        for (String kind : List.of("controlnet", "multi_controlnet")) {
            java.io.StringWriter out = new java.io.StringWriter();
            ConformanceRunner.Summary s = new ConformanceRunner().run(golden.resolve("core").resolve(kind), new java.io.PrintWriter(out, true), true);
            String log = out.toString();
            assertFalse(s.results().isEmpty(), kind);
            for (ConformanceRunner.Result r : s.results()) assertEquals(ConformanceRunner.Status.PASS, r.status(), log);
        }
    }

    /**
     * tiny-controlnet-a in five layouts give bit-identical residuals: the diffusers folder, its
     * weights file given directly (config.json beside it), that file alone (architecture from the
     * header), the original v1.1 file, and a v1.0-style copy under {@code control_model.} with base
     * model weights bundled; and an fp32 copy.
     */
    @Test
    void everyLayoutGivesTheSameResiduals(@TempDir Path tmp) throws IOException {
        Path folder = models.resolve("tiny-controlnet-a");
        Path original = models.resolve("tiny-controlnet-a.safetensors");
        Path bare = tmp.resolve("bare").resolve("cn.safetensors");
        Files.createDirectories(bare.getParent());
        Files.copy(folder.resolve("diffusion_pytorch_model.safetensors"), bare);
        Path prefixed = tmp.resolve("control_v10_style.safetensors");
        Path fp32 = tmp.resolve("fp32.safetensors");
        try (SafeTensors a = SafeTensors.open(original); SafeTensors base = SafeTensors.open(models.resolve("tiny-sd15.safetensors"))) {
            Map<String, Tensor> pre = new LinkedHashMap<>(), full = new LinkedHashMap<>();
            for (String k : a.infos().keySet()) {
                pre.put("control_model." + k, a.load(k));
                full.put(k, a.load(k).to(torch.ScalarType.Float));
            }
            int bundled = 0;
            for (String k : base.infos().keySet()) {
                if (bundled == 20) break;
                if (k.startsWith("model.diffusion_model.") || k.startsWith("first_stage_model.")) {
                    pre.put(k, base.load(k));
                    bundled++;
                }
            }
            SafeTensors.write(prefixed, pre, null);
            SafeTensors.write(fp32, full, null);
        }
        Case c = Case.read("controlnet/a_plain");
        try (NoGradGuard g = new NoGradGuard()) {
            ControlResiduals ref = run(folder, c);
            assertTrue(c.err(ref) <= c.tolerance());
            for (Path p : List.of(folder.resolve("diffusion_pytorch_model.safetensors"), bare, original, prefixed, fp32))
                assertBitEqual(ref, run(p, c), p.getFileName().toString());
        }
        ControlNetConfig fromJson = ControlNetConfig.fromJson(ConfigJson.read(folder.resolve("config.json")));
        for (Path p : List.of(folder, bare, original, prefixed, fp32))
            assertEquals(fromJson, ControlNetFiles.config(p, null, ArchOverrides.NONE), p.getFileName().toString());
    }

    /** toJson writes the golden folder's config.json back, value for value (the diffusers version aside). */
    @Test
    void configJsonIsReproduced() throws IOException {
        JsonNode file = new ObjectMapper().readTree(models.resolve("tiny-controlnet-a/config.json").toFile());
        JsonNode written = ControlNetConfig.fromJson(ConfigJson.read(models.resolve("tiny-controlnet-a/config.json"))).toJson();
        List<String> keys = new ArrayList<>();
        file.fieldNames().forEachRemaining(keys::add);
        for (String k : keys) {
            if (k.equals("_diffusers_version")) continue;
            assertTrue(written.has(k), k);
            JsonNode a = file.get(k), b = written.get(k);
            if (a.isNumber()) assertEquals(a.asDouble(), b.asDouble(), k);
            else assertEquals(a, b, k);
        }
        List<String> extra = new ArrayList<>();
        written.fieldNames().forEachRemaining(k -> { if (!file.has(k)) extra.add(k); });
        assertEquals(List.of(), extra);
    }

    @Test
    void loadsTheV10PickleWithItsSmallerHintNetwork() throws IOException {
        Path b = models.resolve("tiny-controlnet-b.pth");
        ControlNetConfig cfg = ControlNetFiles.config(b, null, ArchOverrides.NONE);
        assertEquals(List.of(16, 32, 48, 64), cfg.conditioningEmbeddingOutChannels());
        assertEquals(3, cfg.conditioningChannels());
        assertEquals(List.of(32, 32, 64, 64), cfg.blockOutChannels());
        Case c = Case.read("multi_controlnet/a_b");
        Tensor cond = c.data.get(c.json.at("/inputs/conds").get(1).asText());
        try (NoGradGuard g = new NoGradGuard();
             ControlNetModel dense = ControlNetFiles.load(b, null, DType.FP32);
             ControlNetModel packed = ControlNetFiles.load(b, null, ArchOverrides.NONE, DType.FP32, true)) {
            assertArrayEquals(new long[]{64, 48, 3, 3}, dense.parameters().get("controlnet_cond_embedding.blocks.5.weight").shape());
            ControlResiduals r = run(dense, c, cond, 0.5, SoftWeights.NONE);
            assertEquals(12, r.down().size());
            assertTrue(T.maxAbs(r.mid()) > 0);
            List<ControlResiduals> mt = ControlNetModelTest.multiThreaded(() -> List.of(run(dense, c, cond, 0.5, SoftWeights.NONE), run(packed, c, cond, 0.5, SoftWeights.NONE)));
            assertBitEqual(mt.get(0), mt.get(1), "packed");
        }
    }

    /** Packed inference (while loading, or after) gives the dense results bit for bit when multi-threaded, as real runs are. */
    @Test
    void packedInferenceOnTheTinyModelIsIdentical() throws IOException {
        Case c = Case.read("controlnet/a_guess");
        Path a = models.resolve("tiny-controlnet-a.safetensors");
        try (NoGradGuard g = new NoGradGuard();
             ControlNetModel dense = ControlNetFiles.load(a, null, DType.FP32);
             ControlNetModel packed = ControlNetFiles.load(a, null, ArchOverrides.NONE, DType.FP32, true);
             ControlNetModel packedAfter = ControlNetFiles.load(a, null, DType.FP32)) {
            packedAfter.packForInference();
            List<ControlResiduals> r = ControlNetModelTest.multiThreaded(() -> List.of(
                    run(dense, c, c.input("cond"), 0.8, SoftWeights.DIFFUSERS_LOGSPACE),
                    run(packed, c, c.input("cond"), 0.8, SoftWeights.DIFFUSERS_LOGSPACE),
                    run(packedAfter, c, c.input("cond"), 0.8, SoftWeights.DIFFUSERS_LOGSPACE)));
            assertBitEqual(r.get(0), r.get(1), "packed while loading");
            assertBitEqual(r.get(0), r.get(2), "packed after loading");
            // single-threaded too, the packed model meets the reference
            assertTrue(c.err(run(packed, c, c.input("cond"), 0.8, SoftWeights.DIFFUSERS_LOGSPACE)) <= c.tolerance());
        }
    }

    @Test
    void headCountsFollowTheBaseUNet() {
        UNet2DConditionConfig sd15 = UNet2DConditionConfig.fromJson(ConfigJson.read(models.resolve("tiny-sd15/unet/config.json")));
        UNet2DConditionConfig fourHeads = new UNet2DConditionConfig(sd15.inChannels(), sd15.outChannels(), sd15.blockOutChannels(), sd15.layersPerBlock(),
                sd15.crossAttentionDim(), List.of(4, 4, 4, 4), sd15.downBlockTypes(), sd15.upBlockTypes(), sd15.normNumGroups(), sd15.normEps(),
                sd15.useLinearProjection(), true, sd15.flipSinToCos(), sd15.freqShift());
        Path a = models.resolve("tiny-controlnet-a.safetensors");
        assertEquals(List.of(8, 8, 8, 8), ControlNetFiles.config(a, null, ArchOverrides.NONE).attentionHeadDim());
        ControlNetConfig withBase = ControlNetFiles.config(a, fourHeads, ArchOverrides.NONE);
        assertEquals(List.of(4, 4, 4, 4), withBase.attentionHeadDim());
        assertTrue(withBase.upcastAttention());
        // an explicit override wins over the base
        assertEquals(List.of(2, 2, 2, 2), ControlNetFiles.config(a, fourHeads, new ArchOverrides(null, null, List.of(2))).attentionHeadDim());
        // a diffusers folder says it itself
        assertEquals(List.of(8, 8, 8, 8), ControlNetFiles.config(models.resolve("tiny-controlnet-a"), fourHeads, ArchOverrides.NONE).attentionHeadDim());
    }

    @Test
    void refusesAControlNetForAnotherBase() {
        UNet2DConditionConfig sd2 = UNet2DConditionConfig.fromJson(ConfigJson.read(models.resolve("tiny-sd2-unet/config.json")));
        for (Path p : List.of(models.resolve("tiny-controlnet-a"), models.resolve("tiny-controlnet-a.safetensors"), models.resolve("tiny-controlnet-b.pth"))) {
            WeightsException e = assertThrows(WeightsException.class, () -> ControlNetFiles.load(p, sd2, ArchOverrides.NONE, DType.FP32, false));
            assertEquals(p + ": ControlNet for context width 32 cannot drive a UNet with context width 48", e.getMessage());
        }
        UNet2DConditionConfig sd15 = UNet2DConditionConfig.fromJson(ConfigJson.read(models.resolve("tiny-sd15/unet/config.json")));
        UNet2DConditionConfig wider = new UNet2DConditionConfig(4, 4, List.of(32, 64, 64, 64), 2, 32, List.of(8, 8, 8, 8),
                sd15.downBlockTypes(), sd15.upBlockTypes(), 32, 1e-5, false, false, true, 0);
        Path a = models.resolve("tiny-controlnet-a.safetensors");
        WeightsException e = assertThrows(WeightsException.class, () -> ControlNetFiles.load(a, wider, ArchOverrides.NONE, DType.FP32, false));
        assertEquals(a + ": ControlNet with block_out_channels [32, 32, 64, 64] cannot drive a UNet with block_out_channels [32, 64, 64, 64]", e.getMessage());
        // the right base is accepted
        try (ControlNetModel m = ControlNetFiles.load(a, sd15, ArchOverrides.NONE, DType.FP32, false)) {
            assertEquals(32, m.config().crossAttentionDim());
        }
    }

    @Test
    void refusesWhatIsNotAControlNet() {
        Path unet = models.resolve("tiny-sd15.safetensors");
        WeightsException e = assertThrows(WeightsException.class, () -> ControlNetFiles.load(unet, null, DType.FP32));
        assertTrue(e.getMessage().startsWith(unet.toString()) && e.getMessage().contains("not a ControlNet"), e.getMessage());
        Path missing = models.resolve("no-such-controlnet.safetensors");
        WeightsException m = assertThrows(WeightsException.class, () -> ControlNetFiles.load(missing, null, DType.FP32));
        assertTrue(m.getMessage().contains("no such file"), m.getMessage());
    }

    @Test
    void shuffleNamesAndYamlTurnOnPooling(@TempDir Path tmp) throws IOException {
        Path a = models.resolve("tiny-controlnet-a.safetensors");
        Path shuffle = tmp.resolve("control_v11e_sd15_shuffle.safetensors");
        Files.copy(a, shuffle);
        assertTrue(ControlNetFiles.config(shuffle, null, ArchOverrides.NONE).globalPoolConditions());
        Path other = tmp.resolve("my_controlnet.safetensors");
        Files.copy(a, other);
        assertFalse(ControlNetFiles.config(other, null, ArchOverrides.NONE).globalPoolConditions());
        Files.writeString(tmp.resolve("my_controlnet.yaml"), "model:\n  params:\n    control_stage_config:\n      params:\n        global_average_pooling: True\n");
        assertTrue(ControlNetFiles.config(other, null, ArchOverrides.NONE).globalPoolConditions());
        assertFalse(ControlNetFiles.config(a, null, ArchOverrides.NONE).globalPoolConditions());
    }
}
