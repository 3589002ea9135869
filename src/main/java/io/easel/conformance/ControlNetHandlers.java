package io.easel.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.controlnet.ControlNetModel.SoftWeights;
import io.easel.models.unet.ControlResiduals;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.pipeline.ControlNetFiles;
import io.easel.pipeline.ComponentFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.weights.ArchOverrides;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The {@code controlnet} and {@code multi_controlnet} case kinds (FORMAT-core.md). */
final class ControlNetHandlers {
    private ControlNetHandlers() {}

    /**
     * One ControlNet's residuals for {@code model} and every {@code alt_models} layout, each
     * compared with the expected {@code down}/{@code mid}; or, with {@code expected.unet_out},
     * the output of the UNet named by {@code unet} with those residuals added.
     * {@code guess_mode: true} is diffusers' log-spaced soft weights.
     */
    static double controlnet(CaseContext c) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor x = c.data(c.json.at("/inputs/sample").asText());
            Tensor ctx = c.data(c.json.at("/inputs/encoder_hidden_states").asText());
            Tensor cond = c.data(c.json.at("/inputs/cond").asText());
            Tensor t = timesteps(c, x);
            double scale = c.json.path("conditioning_scale").asDouble(1.0);
            SoftWeights soft = c.json.path("guess_mode").asBoolean(false) ? SoftWeights.DIFFUSERS_LOGSPACE : SoftWeights.NONE;
            ArchOverrides o = overrides(c);
            List<String> models = new ArrayList<>();
            models.add(c.str("model"));
            c.json.path("alt_models").forEach(m -> models.add(m.asText()));
            JsonNode expected = c.json.get("expected");
            if (expected.has("unet_out")) {
                try (UNet2DConditionModel unet = ComponentFiles.unet(c.model(c.str("unet")), DType.FP32)) {
                    for (String rel : models) {
                        try (ControlNetModel cn = ControlNetFiles.load(c.model(rel), unet.config(), o, DType.FP32, false)) {
                            ControlResiduals r = cn.forward(x, t, ctx, cond, scale, soft);
                            String name = expected.get("unet_out").asText();
                            c.compare(name + label(rel, models), unet.forward(x, t, ctx, r, null), c.data(name));
                        }
                    }
                }
            } else {
                for (String rel : models) {
                    try (ControlNetModel cn = ControlNetFiles.load(c.model(rel), null, o, DType.FP32, false)) {
                        compareResiduals(c, cn.forward(x, t, ctx, cond, scale, soft), label(rel, models));
                    }
                }
            }
        }
        return c.maxErr();
    }

    /** Several units: each unit's residuals times its scale, summed. */
    static double multiControlnet(CaseContext c) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor x = c.data(c.json.at("/inputs/sample").asText());
            Tensor ctx = c.data(c.json.at("/inputs/encoder_hidden_states").asText());
            Tensor t = timesteps(c, x);
            JsonNode models = c.json.get("models"), scales = c.json.get("conditioning_scales"), conds = c.json.at("/inputs/conds");
            if (models.size() != scales.size() || models.size() != conds.size())
                throw new IllegalArgumentException(models.size() + " models, " + scales.size() + " conditioning_scales, " + conds.size() + " conds");
            ArchOverrides o = overrides(c);
            ControlResiduals sum = null;
            for (int i = 0; i < models.size(); i++) {
                try (ControlNetModel cn = ControlNetFiles.load(c.model(models.get(i).asText()), null, o, DType.FP32, false)) {
                    ControlResiduals r = cn.forward(x, t, ctx, c.data(conds.get(i).asText()), scales.get(i).asDouble(), SoftWeights.NONE);
                    sum = sum == null ? r : sum.plus(r);
                }
            }
            compareResiduals(c, sum, "");
        }
        return c.maxErr();
    }

    private static void compareResiduals(CaseContext c, ControlResiduals r, String label) {
        JsonNode down = c.json.at("/expected/down");
        if (down.size() != r.down().size()) {
            c.fail("expected " + down.size() + " down residuals, computed " + r.down().size() + label);
            return;
        }
        for (int i = 0; i < down.size(); i++) c.compare(down.get(i).asText() + label, r.down().get(i), c.data(down.get(i).asText()));
        String mid = c.json.at("/expected/mid").asText();
        c.compare(mid + label, r.mid(), c.data(mid));
    }

    /** The case's timestep for every batch element, float32 [B]. */
    private static Tensor timesteps(CaseContext c, Tensor x) {
        return torch.full(new long[]{x.size(0)}, T.s(c.json.get("timestep").asDouble()), T.opts(torch.ScalarType.Float));
    }

    /** " (file)" when a case checks several layouts, so a failure names the one that differs. */
    private static String label(String rel, List<String> models) {
        return models.size() > 1 ? " (" + Path.of(rel).getFileName() + ")" : "";
    }

    @SuppressWarnings("unchecked")
    private static ArchOverrides overrides(CaseContext c) {
        JsonNode a = c.json.get("arch_overrides");
        if (a == null || a.isNull()) return ArchOverrides.NONE;
        return ArchOverrides.fromMap(new ObjectMapper().convertValue(a, Map.class));
    }
}
