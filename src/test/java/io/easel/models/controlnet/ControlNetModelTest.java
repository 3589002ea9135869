package io.easel.models.controlnet;

import io.easel.models.controlnet.ControlNetConfig.ChannelOrder;
import io.easel.models.controlnet.ControlNetModel.SoftWeights;
import io.easel.models.unet.ControlResiduals;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.tensor.DType;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** ControlNetModel on tiny random-initialised configs: no golden data needed. */
class ControlNetModelTest {
    /** The tiny golden topology: SD1.5's block structure with 32/64 channels and context 32. */
    static final UNet2DConditionConfig TINY_SD1 = new UNet2DConditionConfig(4, 4, List.of(32, 32, 64, 64), 2, 32, List.of(8, 8, 8, 8),
            UNet2DConditionConfig.SD_DOWN, UNet2DConditionConfig.SD_UP, 32, 1e-5, false, false, true, 0);
    /** An SD2-style tiny UNet: linear projections, per-block heads, context 48. */
    static final UNet2DConditionConfig TINY_SD2 = new UNet2DConditionConfig(4, 4, List.of(32, 32, 64, 64), 2, 48, List.of(2, 4, 4, 4),
            UNet2DConditionConfig.SD_DOWN, UNet2DConditionConfig.SD_UP, 32, 1e-5, true, true, true, 0);

    static Tensor rand(Generator g, long... shape) { return torch.rand(shape, new GeneratorOptional(g), T.opts(torch.ScalarType.Float)); }

    static Tensor randn(Generator g, long... shape) { return torch.randn(shape, new GeneratorOptional(g), T.opts(torch.ScalarType.Float)); }

    static ControlNetModel random(ControlNetConfig c, long seed) {
        ControlNetModel m = new ControlNetModel(c);
        m.init(torch.createCPUGenerator(seed), DType.FP32);
        return m;
    }

    /** Inputs for a 2-image batch of 16x24-pixel images (latent 2x3). */
    record Inputs(Tensor x, Tensor t, Tensor ctx, Tensor cond) {
        static Inputs of(int ctxWidth, long seed) { return of(ctxWidth, seed, 2, 3); }

        static Inputs of(int ctxWidth, long seed, int h, int w) {
            Generator g = torch.createCPUGenerator(seed);
            return new Inputs(randn(g, 2, 4, h, w), torch.full(new long[]{2}, T.s(500), T.opts(torch.ScalarType.Float)),
                    randn(g, 2, 77, ctxWidth), rand(g, 2, 3, 8 * h, 8 * w));
        }
    }

    static void assertBitEqual(ControlResiduals a, ControlResiduals b) {
        assertEquals(a.down().size(), b.down().size());
        for (int i = 0; i < a.down().size(); i++) assertTrue(a.down().get(i).equal(b.down().get(i)), "down" + i);
        assertTrue(a.mid().equal(b.mid()), "mid");
    }

    /**
     * Runs {@code body} with libtorch multi-threaded, as {@code Native.init} sets it up for real
     * runs, restoring the thread count after. Packed inference is bit-identical to the dense path
     * whenever libtorch runs the dense convolution on oneDNN too, which it does for every
     * convolution when multi-threaded; single-threaded (the tests' default here) it runs
     * small-batch 1x1 convolutions through its own matmul kernel instead ("THNN is faster when
     * single-threaded"), which only agrees to float rounding.
     */
    static <R> R multiThreaded(java.util.function.Supplier<R> body) {
        int before = torch.get_num_threads();
        torch.set_num_threads(Math.max(2, before));
        try {
            return body.get();
        } finally {
            torch.set_num_threads(before);
        }
    }

    static void copyWeights(ControlNetModel from, ControlNetModel to) {
        Map<String, Param> src = from.parameters();
        to.parameters().forEach((k, p) -> p.set(src.get(k).get().clone()));
    }

    @Test
    void softWeightsBothConventions() {
        double[] diffusers = SoftWeights.DIFFUSERS_LOGSPACE.weights(13), original = SoftWeights.ORIGINAL_0825.weights(13);
        double[] none = SoftWeights.NONE.weights(13);
        assertEquals(13, diffusers.length);
        assertEquals(13, original.length);
        // torch.logspace(-1, 0, 13): 0.1 for the first skip ... 1 for the middle block
        for (int i = 0; i < 13; i++) assertEquals(Math.pow(10, -1 + i / 12.0), diffusers[i], 1e-15);
        for (int i = 0; i < 13; i++) assertEquals(Math.pow(0.825, 12 - i), original[i], 1e-15);
        assertEquals(0.1, diffusers[0], 1e-15);
        assertEquals(1.0, diffusers[12]);
        assertEquals(1.0, original[12]);
        assertEquals(0.09941, original[0], 1e-5);
        boolean anyDiffers = false;
        for (int i = 0; i < 13; i++) {
            assertEquals(1.0, none[i]);
            // equal to three decimals ...
            assertEquals(diffusers[i], original[i], 1e-3, "weight " + i);
            // ... but not bit for bit
            if (Math.abs(diffusers[i] - original[i]) > 1e-4) anyDiffers = true;
            if (i > 0) {
                assertTrue(diffusers[i] > diffusers[i - 1]);
                assertTrue(original[i] > original[i - 1]);
            }
        }
        assertTrue(anyDiffers);
        assertNotEquals((float) diffusers[0], (float) original[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> SoftWeights.ORIGINAL_0825.weight(13, 13));
    }

    @Test
    void moduleTreeIsDiffusersKeys() {
        try (ControlNetModel m = new ControlNetModel(ControlNetConfig.fromUNet(TINY_SD1))) {
            Map<String, Param> p = m.parameters();
            assertTrue(p.containsKey("controlnet_cond_embedding.conv_in.weight"));
            assertArrayEquals(new long[]{16, 3, 3, 3}, p.get("controlnet_cond_embedding.conv_in.weight").shape());
            assertArrayEquals(new long[]{256, 96, 3, 3}, p.get("controlnet_cond_embedding.blocks.5.weight").shape());
            assertArrayEquals(new long[]{32, 256, 3, 3}, p.get("controlnet_cond_embedding.conv_out.weight").shape());
            assertFalse(p.containsKey("controlnet_cond_embedding.blocks.6.weight"));
            for (int i = 0; i < 12; i++) assertTrue(p.containsKey("controlnet_down_blocks." + i + ".weight"), "zero conv " + i);
            assertFalse(p.containsKey("controlnet_down_blocks.12.weight"));
            assertArrayEquals(new long[]{64, 64, 1, 1}, p.get("controlnet_mid_block.weight").shape());
            assertTrue(p.keySet().stream().noneMatch(k -> k.startsWith("up_blocks.") || k.startsWith("conv_out") || k.startsWith("conv_norm_out")));
            assertEquals(12, m.config().downResidualCount());
        }
    }

    @Test
    void residualShapesAndCount() {
        Inputs in = Inputs.of(32, 1);
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel m = random(ControlNetConfig.fromUNet(TINY_SD1), 7)) {
            ControlResiduals r = m.forward(in.x(), in.t(), in.ctx(), in.cond(), 1.0, SoftWeights.NONE);
            assertEquals(12, r.down().size());
            // conv_in; level 0 (2 layers, downsampler); level 1; level 2; level 3 (no downsampler)
            long[][] expected = {{2, 32, 2, 3}, {2, 32, 2, 3}, {2, 32, 2, 3}, {2, 32, 1, 2}, {2, 32, 1, 2}, {2, 32, 1, 2},
                    {2, 32, 1, 1}, {2, 64, 1, 1}, {2, 64, 1, 1}, {2, 64, 1, 1}, {2, 64, 1, 1}, {2, 64, 1, 1}};
            for (int i = 0; i < 12; i++) assertArrayEquals(expected[i], T.shape(r.down().get(i)), "down" + i);
            assertArrayEquals(new long[]{2, 64, 1, 1}, T.shape(r.mid()));
            // A condition image that is not 8x the latent is refused.
            assertThrows(IllegalArgumentException.class, () -> m.forward(in.x(), in.t(), in.ctx(), rand(torch.createCPUGenerator(1), 2, 3, 16, 16), 1, SoftWeights.NONE));
            assertThrows(IllegalArgumentException.class, () -> m.forward(in.x(), in.t(), in.ctx(), rand(torch.createCPUGenerator(1), 2, 1, 16, 24), 1, SoftWeights.NONE));
        }
    }

    @Test
    void scaleAndSoftWeightsMultiplyEachResidual() {
        Inputs in = Inputs.of(32, 2);
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel m = random(ControlNetConfig.fromUNet(TINY_SD1), 8)) {
            ControlResiduals plain = m.forward(in.x(), in.t(), in.ctx(), in.cond(), 1.0, SoftWeights.NONE);
            for (SoftWeights soft : SoftWeights.values()) {
                ControlResiduals r = m.forward(in.x(), in.t(), in.ctx(), in.cond(), 0.8, soft);
                double[] w = soft.weights(13);
                for (int i = 0; i < 12; i++) {
                    Tensor want = plain.down().get(i).mul(T.s(0.8 * w[i]));
                    assertTrue(T.maxAbs(r.down().get(i).sub(want)) <= 1e-6 * Math.max(1, T.maxAbs(want)), soft + " down" + i);
                }
                Tensor wantMid = plain.mid().mul(T.s(0.8));
                assertTrue(T.maxAbs(r.mid().sub(wantMid)) <= 1e-6 * Math.max(1, T.maxAbs(wantMid)), soft + " mid");
            }
            // a null choice is NONE
            assertBitEqual(plain, m.forward(in.x(), in.t(), in.ctx(), in.cond(), 1.0, null));
        }
    }

    /**
     * The zero-convolution property: a ControlNet made from a UNet (encoder copied, zero convs
     * zeroed) gives all-zero residuals, and the UNet's output with them is bit-identical to its
     * output without.
     */
    @Test
    void controlNetFromUNetLeavesTheUNetUnchanged() {
        Inputs in = Inputs.of(32, 3);
        try (NoGradGuard g = new NoGradGuard(); UNet2DConditionModel unet = new UNet2DConditionModel(TINY_SD1)) {
            unet.init(torch.createCPUGenerator(11), DType.FP32);
            try (ControlNetModel cn = ControlNetModel.fromUNet(unet, torch.createCPUGenerator(12))) {
                // the encoder is a copy of the UNet's
                Map<String, Param> u = unet.parameters();
                int copied = 0;
                for (Map.Entry<String, Param> e : cn.parameters().entrySet()) {
                    String k = e.getKey();
                    if (k.startsWith("conv_in.") || k.startsWith("time_embedding.") || k.startsWith("down_blocks.") || k.startsWith("mid_block.")) {
                        assertTrue(e.getValue().get().equal(u.get(k).get()), k);
                        assertNotSame(e.getValue().get(), u.get(k).get());
                        copied++;
                    } else if (k.startsWith("controlnet_down_blocks.") || k.startsWith("controlnet_mid_block.") || k.startsWith("controlnet_cond_embedding.conv_out.")) {
                        assertEquals(0.0, T.maxAbs(e.getValue().get()), k);
                    } else {
                        assertTrue(k.startsWith("controlnet_cond_embedding."), k);
                        assertTrue(T.maxAbs(e.getValue().get()) > 0, k + " is initialised");
                    }
                }
                assertTrue(copied > 100, "copied " + copied);
                ControlResiduals r = cn.forward(in.x(), in.t(), in.ctx(), in.cond(), 1.0, SoftWeights.NONE);
                for (Tensor d : r.down()) assertEquals(0.0, T.maxAbs(d));
                assertEquals(0.0, T.maxAbs(r.mid()));
                Tensor plain = unet.forward(in.x(), in.t(), in.ctx());
                Tensor controlled = unet.forward(in.x(), in.t(), in.ctx(), r, null);
                assertTrue(plain.equal(controlled), "UNet output changed by a zero-initialised ControlNet");
                // and a trained (perturbed) ControlNet does change it
                Param z = cn.parameters().get("controlnet_mid_block.bias");
                z.set(torch.full(z.shape(), T.s(0.5), T.opts(torch.ScalarType.Float)));
                ControlResiduals r2 = cn.forward(in.x(), in.t(), in.ctx(), in.cond(), 1.0, SoftWeights.NONE);
                assertFalse(plain.equal(unet.forward(in.x(), in.t(), in.ctx(), r2, null)));
            }
        }
    }

    @Test
    void fromUNetRefusesAMismatchedConfig() {
        try (UNet2DConditionModel unet = new UNet2DConditionModel(TINY_SD1)) {
            unet.init(torch.createCPUGenerator(1), DType.FP32);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ControlNetModel.fromUNet(unet, ControlNetConfig.fromUNet(TINY_SD2), torch.createCPUGenerator(2)));
            assertTrue(e.getMessage().contains("context width 48") && e.getMessage().contains("context width 32"), e.getMessage());
        }
    }

    @Test
    void bgrNetworksFlipTheCondition() {
        Inputs in = Inputs.of(32, 4);
        ControlNetConfig rgb = ControlNetConfig.fromUNet(TINY_SD1);
        ControlNetConfig bgr = ControlNetConfig.of(TINY_SD1, 3, ControlNetConfig.DEFAULT_HINT_CHANNELS, ChannelOrder.BGR, false);
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel a = random(rgb, 5); ControlNetModel b = new ControlNetModel(bgr)) {
            copyWeights(a, b);
            assertBitEqual(a.forward(in.x(), in.t(), in.ctx(), in.cond().flip(1), 0.7, SoftWeights.NONE),
                    b.forward(in.x(), in.t(), in.ctx(), in.cond(), 0.7, SoftWeights.NONE));
        }
    }

    @Test
    void globalPoolingAveragesEachResidual() {
        Inputs in = Inputs.of(32, 5);
        ControlNetConfig plain = ControlNetConfig.fromUNet(TINY_SD1);
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel a = random(plain, 6); ControlNetModel b = new ControlNetModel(plain.withGlobalPoolConditions(true))) {
            copyWeights(a, b);
            ControlResiduals full = a.forward(in.x(), in.t(), in.ctx(), in.cond(), 0.5, SoftWeights.NONE);
            ControlResiduals pooled = b.forward(in.x(), in.t(), in.ctx(), in.cond(), 0.5, SoftWeights.NONE);
            for (int i = 0; i < 12; i++) {
                Tensor d = pooled.down().get(i);
                assertArrayEquals(new long[]{2, full.down().get(i).size(1), 1, 1}, T.shape(d));
                Tensor want = full.down().get(i).mean(new long[]{2, 3}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
                assertTrue(T.maxAbs(d.sub(want)) < 1e-6, "down" + i);
            }
            // pooled residuals broadcast over the UNet's skips
            try (UNet2DConditionModel unet = new UNet2DConditionModel(TINY_SD1)) {
                unet.init(torch.createCPUGenerator(3), DType.FP32);
                assertArrayEquals(new long[]{2, 4, 2, 3}, T.shape(unet.forward(in.x(), in.t(), in.ctx(), pooled, null)));
            }
        }
    }

    @Test
    void sd2ControlNetBuildsFromTheSameCode() {
        Inputs in = Inputs.of(48, 6);
        ControlNetConfig c = ControlNetConfig.fromUNet(TINY_SD2);
        assertTrue(c.useLinearProjection());
        assertEquals(48, c.crossAttentionDim());
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel m = random(c, 9)) {
            assertArrayEquals(new long[]{32, 32}, m.parameters().get("down_blocks.0.attentions.0.proj_in.weight").shape());
            assertArrayEquals(new long[]{32, 48}, m.parameters().get("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight").shape());
            ControlResiduals r = m.forward(in.x(), in.t(), in.ctx(), in.cond(), 1.0, SoftWeights.DIFFUSERS_LOGSPACE);
            assertEquals(12, r.down().size());
            try (UNet2DConditionModel unet = new UNet2DConditionModel(TINY_SD2)) {
                unet.init(torch.createCPUGenerator(4), DType.FP32);
                assertArrayEquals(new long[]{2, 4, 2, 3}, T.shape(unet.forward(in.x(), in.t(), in.ctx(), r, null)));
            }
        }
        assertTrue(ControlNetConfig.SD21.useLinearProjection());
        assertEquals(1024, ControlNetConfig.SD21.crossAttentionDim());
        assertEquals(List.of(5, 10, 20, 20), ControlNetConfig.SD21.attentionHeadDim());
    }

    @Test
    void packedInferenceIsIdentical() {
        Inputs in = Inputs.of(32, 7, 8, 8);
        try (NoGradGuard g = new NoGradGuard(); ControlNetModel a = random(ControlNetConfig.fromUNet(TINY_SD1), 10);
             ControlNetModel b = new ControlNetModel(ControlNetConfig.fromUNet(TINY_SD1))) {
            copyWeights(a, b);
            b.packForInference();
            List<ControlResiduals> r = multiThreaded(() -> List.of(a.forward(in.x(), in.t(), in.ctx(), in.cond(), 0.9, SoftWeights.ORIGINAL_0825),
                    b.forward(in.x(), in.t(), in.ctx(), in.cond(), 0.9, SoftWeights.ORIGINAL_0825)));
            assertBitEqual(r.get(0), r.get(1));
        }
    }

    @Test
    void mismatchNamesWhatDiffers() {
        ControlNetConfig sd15 = ControlNetConfig.SD15;
        assertNull(sd15.mismatch(UNet2DConditionConfig.SD15));
        assertNull(sd15.mismatch(UNet2DConditionConfig.SD15.withInChannels(9)), "an inpainting base still takes the 4-channel ControlNet");
        assertEquals("ControlNet for context width 768 (SD1.x) cannot drive a UNet with context width 1024 (SD2.x)",
                sd15.mismatch(UNet2DConditionConfig.SD21));
        assertEquals("ControlNet for context width 1024 (SD2.x) cannot drive a UNet with context width 768 (SD1.x)",
                ControlNetConfig.SD21.mismatch(UNet2DConditionConfig.SD15));
        UNet2DConditionConfig narrow = new UNet2DConditionConfig(4, 4, List.of(320, 640, 1280), 2, 768, List.of(8, 8, 8),
                UNet2DConditionConfig.SD_DOWN.subList(0, 3), UNet2DConditionConfig.SD_UP.subList(1, 4), 32, 1e-5, false, false, true, 0);
        assertTrue(sd15.mismatch(narrow).contains("block_out_channels [320, 640, 1280, 1280]"), sd15.mismatch(narrow));
    }

    @Test
    void configRoundTripsThroughConfigJson() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        ControlNetConfig odd = ControlNetConfig.of(TINY_SD2, 1, List.of(8, 16), ChannelOrder.BGR, true);
        for (ControlNetConfig c : List.of(ControlNetConfig.SD15, ControlNetConfig.SD21, ControlNetConfig.fromUNet(TINY_SD1), odd)) {
            var node = json.readTree(io.easel.models.ConfigJson.toText(c.toJson()));
            assertEquals(c, ControlNetConfig.fromJson(io.easel.models.ConfigJson.of(node, "test")));
            List<String> keys = new java.util.ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            List<String> sorted = new java.util.ArrayList<>(keys);
            java.util.Collections.sort(sorted);
            assertEquals(sorted, keys, "keys sorted as diffusers writes them");
        }
        assertEquals("bgr", odd.toJson().get("controlnet_conditioning_channel_order").asText());
        assertEquals(8, ControlNetConfig.SD15.toJson().get("attention_head_dim").asInt());
        assertTrue(ControlNetConfig.SD21.toJson().get("attention_head_dim").isArray());
    }

    @Test
    void configRefusesWhatItDoesNotSupport() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String[] bad : new String[][]{{"mid_block_type", "\"UNetMidBlock2D\""}, {"class_embed_type", "\"timestep\""},
                {"controlnet_conditioning_channel_order", "\"grb\""}, {"transformer_layers_per_block", "2"}}) {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) ControlNetConfig.SD15.toJson();
            node.set(bad[0], json.readTree(bad[1]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ControlNetConfig.fromJson(io.easel.models.ConfigJson.of(node, "cn/config.json")));
            assertTrue(e.getMessage().startsWith("cn/config.json: ") && e.getMessage().contains(bad[0].equals("controlnet_conditioning_channel_order") ? "grb" : bad[0]), e.getMessage());
        }
        var unet = UNet2DConditionConfig.SD15.toJson();
        assertThrows(IllegalArgumentException.class, () -> ControlNetConfig.fromJson(io.easel.models.ConfigJson.of(unet, "unet/config.json")));
    }
}
