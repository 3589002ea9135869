package io.easel.models.clip;

import io.easel.models.ConfigJson;
import io.easel.tensor.DType;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The image tower and CLIPModel: transformers' key names and shapes, a hand-computed forward,
 * bidirectional attention, the pooled text output at the end token, and the contrastive logits.
 * (No golden case exists for CLIP vision; the key list is transformers' modeling_clip.py.)
 */
class CLIPVisionModelTest {
    static final CLIPVisionConfig TINY = new CLIPVisionConfig(32, 64, 2, 2, 16, 8, 3, "quick_gelu", 1e-5, 24);
    static final CLIPTextConfig TEXT = new CLIPTextConfig(49408, 16, 32, 2, 2, 77, "quick_gelu", 1e-5);

    /** transformers' CLIPVisionModel state dict, in its registration order, with shapes. */
    static Map<String, long[]> transformersKeys(CLIPVisionConfig c) {
        Map<String, long[]> k = new LinkedHashMap<>();
        int d = c.hiddenSize(), f = c.intermediateSize();
        String e = "vision_model.embeddings.";
        k.put(e + "class_embedding", new long[]{d});
        k.put(e + "patch_embedding.weight", new long[]{d, c.numChannels(), c.patchSize(), c.patchSize()});
        k.put(e + "position_embedding.weight", new long[]{c.numPositions(), d});
        k.put("vision_model.pre_layrnorm.weight", new long[]{d});
        k.put("vision_model.pre_layrnorm.bias", new long[]{d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = "vision_model.encoder.layers." + i + ".";
            for (String p : List.of("k_proj", "v_proj", "q_proj", "out_proj")) {
                k.put(l + "self_attn." + p + ".weight", new long[]{d, d});
                k.put(l + "self_attn." + p + ".bias", new long[]{d});
            }
            k.put(l + "layer_norm1.weight", new long[]{d});
            k.put(l + "layer_norm1.bias", new long[]{d});
            k.put(l + "mlp.fc1.weight", new long[]{f, d});
            k.put(l + "mlp.fc1.bias", new long[]{f});
            k.put(l + "mlp.fc2.weight", new long[]{d, f});
            k.put(l + "mlp.fc2.bias", new long[]{d});
            k.put(l + "layer_norm2.weight", new long[]{d});
            k.put(l + "layer_norm2.bias", new long[]{d});
        }
        k.put("vision_model.post_layernorm.weight", new long[]{d});
        k.put("vision_model.post_layernorm.bias", new long[]{d});
        return k;
    }

    static void assertKeys(Map<String, long[]> want, Map<String, Param> got) {
        assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(got.keySet()));
        want.forEach((k, s) -> assertArrayEquals(s, got.get(k).shape(), k));
    }

    @Test
    void keysAndShapesAreTransformers() {
        CLIPVisionModel m = new CLIPVisionModel(TINY);
        assertKeys(transformersKeys(TINY), m.parameters());
        assertEquals(4, TINY.numPatches());
        // ViT-L/14 at full size: 257 positions; 5 embedding and pre-norm keys, 16 per layer, 2 post-norm
        Map<String, Param> big = new CLIPVisionModel(CLIPVisionConfig.VIT_L_14).parameters();
        assertArrayEquals(new long[]{257, 1024}, big.get("vision_model.embeddings.position_embedding.weight").shape());
        assertArrayEquals(new long[]{1024, 3, 14, 14}, big.get("vision_model.embeddings.patch_embedding.weight").shape());
        assertEquals(5 + 24 * 16 + 2, big.size());
    }

    @Test
    void clipModelKeysAreTheTowersPlusProjections() {
        CLIPModel m = new CLIPModel(new CLIPConfig(TEXT, TINY, 24, CLIPConfig.LOGIT_SCALE_INIT));
        Map<String, long[]> want = new LinkedHashMap<>();
        want.put("logit_scale", new long[]{});
        new CLIPTextModel(TEXT).parameters().forEach((k, p) -> want.put(k, p.shape()));
        want.putAll(transformersKeys(TINY));
        want.put("visual_projection.weight", new long[]{24, 32});
        want.put("text_projection.weight", new long[]{24, 16});
        assertKeys(want, m.parameters());
        assertTrue(m.parameters().keySet().stream().filter(k -> k.startsWith("text_model.")).count() > 0);
        // the towers share the parameter objects
        assertSame(m.parameters().get("text_model.final_layer_norm.weight"), m.textModel().parameters().get("text_model.final_layer_norm.weight"));
        assertSame(m.parameters().get("vision_model.pre_layrnorm.bias"), m.visionModel().parameters().get("vision_model.pre_layrnorm.bias"));
    }

    @Test
    void configRoundTripsThroughJson() {
        CLIPConfig c = new CLIPConfig(TEXT, new CLIPVisionConfig(32, 64, 2, 2, 16, 8, 3, "gelu", 1e-6, 24), 24, 2.5);
        var json = c.toJson();
        assertEquals("clip", json.get("model_type").asText());
        assertEquals("clip_vision_model", json.get("vision_config").get("model_type").asText());
        assertEquals("clip_text_model", json.get("text_config").get("model_type").asText());
        assertEquals(c, CLIPConfig.fromJson(ConfigJson.of(json, "config.json")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CLIPVisionConfig(32, 64, 2, 2, 20, 8, 3, "gelu", 1e-5, 8));
        assertTrue(e.getMessage().contains("image_size 20"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CLIPConfig.fromJson(ConfigJson.of(ConfigJson.object(), "x/config.json")));
        assertEquals("x/config.json: missing 'text_config'", e.getMessage());
    }

    /**
     * One-channel 4x4 images, 2x2 patches, width 4; the layer's residual branches are zeroed so the
     * encoder is the identity and the output is pre_layrnorm(class token | patches + positions).
     */
    @Test
    void handComputedEmbeddingsAndPooling() {
        CLIPVisionConfig c = new CLIPVisionConfig(4, 8, 1, 2, 4, 2, 1, "quick_gelu", 1e-5, 4);
        CLIPVisionModel m = new CLIPVisionModel(c);
        m.init(torch.createCPUGenerator(3), DType.FP32);
        Map<String, Param> p = m.parameters();
        float[] conv = new float[4 * 4];
        for (int d = 0; d < 4; d++) conv[d * 4] = d + 1;  // out d sees (d+1) x the patch's top-left pixel
        p.get("vision_model.embeddings.patch_embedding.weight").set(T.fromFloats(conv, 4, 1, 2, 2));
        p.get("vision_model.embeddings.class_embedding").set(T.fromFloats(new float[]{1, 2, 3, 4}, 4));
        float[] pos = new float[5 * 4];
        for (int k = 0; k < 5; k++) for (int d = 0; d < 4; d++) pos[k * 4 + d] = 0.1f * k;
        p.get("vision_model.embeddings.position_embedding.weight").set(T.fromFloats(pos, 5, 4));
        p.get("vision_model.post_layernorm.weight").set(T.fromFloats(new float[]{2, 2, 2, 2}, 4));
        p.get("vision_model.post_layernorm.bias").set(T.fromFloats(new float[]{0.5f, 0.5f, 0.5f, 0.5f}, 4));
        for (String z : List.of("self_attn.out_proj.weight", "self_attn.out_proj.bias", "mlp.fc2.weight", "mlp.fc2.bias")) {
            Param q = p.get("vision_model.encoder.layers.0." + z);
            q.set(torch.zeros(q.shape(), T.opts(torch.ScalarType.Float)));
        }
        float[] img = new float[16];
        for (int i = 0; i < 16; i++) img[i] = i + 1;  // pixel (y, x) = 4y + x + 1
        CLIPVisionModel.Output out;
        try (NoGradGuard g = new NoGradGuard()) {
            out = m.forward(T.fromFloats(img, 1, 1, 4, 4));
        }
        assertArrayEquals(new long[]{1, 5, 4}, T.shape(out.lastHiddenState()));
        assertArrayEquals(new long[]{1, 4}, T.shape(out.pooled()));
        float[] want = new float[5 * 4];
        float[][] rows = new float[5][4];
        rows[0] = new float[]{1, 2, 3, 4};  // class token + position 0 (zero)
        int[] topLeft = {1, 3, 9, 11};      // patches in row-major order start at pixels (0,0) (0,2) (2,0) (2,2)
        for (int q = 0; q < 4; q++) for (int d = 0; d < 4; d++) rows[q + 1][d] = (d + 1) * topLeft[q] + 0.1f * (q + 1);
        for (int k = 0; k < 5; k++) System.arraycopy(layerNorm(rows[k], 1, 0), 0, want, k * 4, 4);
        assertArrayEquals(want, T.toFloats(out.lastHiddenState()), 1e-5f);
        assertArrayEquals(layerNorm(Arrays.copyOfRange(want, 0, 4), 2, 0.5f), T.toFloats(out.pooled()), 1e-5f);
        assertThrows(IllegalArgumentException.class, () -> m.forward(T.fromFloats(new float[32], 1, 2, 4, 4)));
    }

    static float[] layerNorm(float[] x, float w, float b) {
        double mean = 0, var = 0;
        for (float v : x) mean += v / x.length;
        for (float v : x) var += (v - mean) * (v - mean) / x.length;
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) ((x[i] - mean) / Math.sqrt(var + 1e-5) * w + b);
        return y;
    }

    @Test
    void imageAttentionIsBidirectionalTextAttentionCausal() {
        CLIPVisionModel v = new CLIPVisionModel(TINY);
        v.init(torch.createCPUGenerator(5), DType.FP32);
        CLIPTextModel t = new CLIPTextModel(TEXT);
        t.init(torch.createCPUGenerator(6), DType.FP32);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor img = torch.randn(new long[]{1, 3, 16, 16}, new org.bytedeco.pytorch.GeneratorOptional(torch.createCPUGenerator(7)), T.opts(torch.ScalarType.Float));
            Tensor img2 = img.clone();
            img2.narrow(2, 8, 8).narrow(3, 8, 8).add_(T.s(1.0));  // only the last patch changes
            assertTrue(T.maxAbs(v.forward(img).pooled().sub(v.forward(img2).pooled())) > 1e-3, "the class token sees the last patch");

            long[] a = {49406, 320, 1929, 49407, 49407, 49407}, b = {49406, 320, 1929, 49407, 550, 551};
            Tensor pa = t.pooled(T.fromLongs(a, 1, 6)), pb = t.pooled(T.fromLongs(b, 1, 6));
            assertArrayEquals(T.toFloats(pa), T.toFloats(pb), 0f, "positions after the end token do not change the pooled output");
            Tensor hidden = t.forward(T.fromLongs(a, 1, 6), 1);
            assertArrayEquals(T.toFloats(hidden.select(1, 3)), T.toFloats(pa), 0f, "pooled = hidden state at the first end token");
            // cutting the window after the end token gives the same pooled output
            assertArrayEquals(T.toFloats(pa), T.toFloats(t.pooled(T.fromLongs(Arrays.copyOf(a, 4), 1, 4))), 1e-6f);
        }
    }

    @Test
    void logitsAreScaledCosinesWithTheClampedTemperature() {
        CLIPModel m = new CLIPModel(new CLIPConfig(TEXT, TINY, 2, Math.log(10)));
        m.init(torch.createCPUGenerator(1), DType.FP32);
        assertEquals(Math.log(10), m.logitScale().get().item().toDouble(), 1e-6);
        Tensor img = T.fromFloats(new float[]{1, 0, 0, 2}, 2, 2), txt = T.fromFloats(new float[]{3, 0, 1, 1}, 2, 2);
        float r = (float) (1 / Math.sqrt(2));
        try (NoGradGuard g = new NoGradGuard()) {
            assertArrayEquals(new float[]{10, 10 * r, 0, 10 * r}, T.toFloats(m.logitsPerImage(img, txt, Double.POSITIVE_INFINITY)), 1e-5f);
            assertArrayEquals(new float[]{5, 5 * r, 0, 5 * r}, T.toFloats(m.logitsPerImage(img, txt, Math.log(5))), 1e-5f);
        }
    }
}
