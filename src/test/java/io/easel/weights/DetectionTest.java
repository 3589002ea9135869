package io.easel.weights;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.vae.AutoencoderKLConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.easel.weights.HeaderOnlySource.info;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Architecture detection on the real full-size headers in golden/core/shapes. */
class DetectionTest {
    static Path shapes;

    @BeforeAll
    static void golden() { shapes = HeaderOnlySource.goldenShapes(); }

    static HeaderOnlySource list(String name) { return HeaderOnlySource.read(shapes.resolve(name + ".txt")); }

    static long numel(TensorSource s) { return s.infos().values().stream().mapToLong(TensorInfo::numel).sum(); }

    @Test
    void sd15() {
        Detected d = Detection.detect(list("sd15_single_file"));
        assertEquals(Family.SD1, d.family());
        assertEquals(Layout.LDM_CHECKPOINT, d.layout());
        assertEquals("ldm-single-file", d.layout().label());
        assertEquals(UNet2DConditionConfig.SD15, d.unet());
        assertEquals(AutoencoderKLConfig.SD, d.vae());
        assertEquals(CLIPTextConfig.SD1, d.textEncoder());
        assertFalse(d.inpainting());
        assertFalse(d.hasEma());
        assertNull(d.controlNet());
        assertEquals("F16", d.dtype());
        assertEquals(numel(list("sd15_diffusers_unet")) + numel(list("sd15_diffusers_vae")) + numel(list("sd15_diffusers_text_encoder")), d.parameterCount());
        assertEquals(0, d.ignoredKeys());
        assertTrue(d.unknownKeys().isEmpty());
        assertEquals("epsilon", d.family().defaultPredictionType());
    }

    @Test
    void sd15Inpainting() {
        Detected d = Detection.detect(list("sd15_inpainting_single_file"));
        assertEquals(9, d.unet().inChannels());
        assertTrue(d.inpainting());
        assertEquals(UNet2DConditionConfig.SD15.withInChannels(9), d.unet());
    }

    @Test
    void sd21v() {
        Detected d = Detection.detect(list("sd21_v_single_file"));
        assertEquals(Family.SD2, d.family());
        assertEquals(UNet2DConditionConfig.SD21, d.unet());
        assertEquals(AutoencoderKLConfig.SD, d.vae());
        assertEquals(CLIPTextConfig.SD2, d.textEncoder());
        assertEquals(1024, d.textEncoder().hiddenSize());
        assertEquals(23, d.textEncoder().numHiddenLayers());
        assertEquals(Map.of(KeyMaps.UNUSED_LAST_LAYER, 12, "CLIP projection (unused by the text model)", 2), d.ignored());
        assertEquals(14, d.ignoredKeys());
        // Not in the weights: the family's default, which 512-base users must override.
        assertEquals("v_prediction", d.family().defaultPredictionType());
    }

    @Test
    void diffusersComponents() {
        Detected u = Detection.detect(list("sd15_diffusers_unet"));
        assertEquals(Layout.DIFFUSERS_UNET, u.layout());
        assertEquals(UNet2DConditionConfig.SD15, u.unet());
        assertEquals(Family.SD1, u.family());
        Detected v = Detection.detect(list("sd15_diffusers_vae"));
        assertEquals(AutoencoderKLConfig.SD, v.vae());
        assertNull(v.family());
        Detected t = Detection.detect(list("sd15_diffusers_text_encoder"));
        assertEquals(CLIPTextConfig.SD1, t.textEncoder());
    }

    @Test
    void controlNets() {
        for (String name : List.of("controlnet_v11_sd15_original", "controlnet_v10_sd15_original_prefixed", "controlnet_sd15_diffusers")) {
            Detected d = Detection.detect(list(name));
            assertEquals(Family.SD1, d.family(), name);
            assertTrue(d.isControlNet());
            assertEquals(new Detected.ControlNetHint(3, List.of(16, 32, 96, 256)), d.controlNet());
            assertEquals(UNet2DConditionConfig.SD15.blockOutChannels(), d.unet().blockOutChannels());
            assertEquals(768, d.unet().crossAttentionDim());
            assertEquals(List.of(8, 8, 8, 8), d.unet().attentionHeadDim());
            assertEquals(UNet2DConditionConfig.SD_DOWN, d.unet().downBlockTypes());
            assertFalse(d.unet().useLinearProjection());
        }
        assertEquals(Layout.CONTROLNET_DIFFUSERS, Detection.detect(list("controlnet_sd15_diffusers")).layout());
        Detected d = Detection.detect(list("controlnet_sd21_original"));
        assertEquals(Family.SD2, d.family());
        assertEquals(1024, d.unet().crossAttentionDim());
        assertTrue(d.unet().useLinearProjection());
        assertEquals(List.of(5, 10, 20, 20), d.unet().attentionHeadDim());
    }

    @Test
    void controlNetMustMatchTheBaseModel() {
        Detection.requireCompatible(UNet2DConditionConfig.SD15, KeyMaps.controlNet(list("controlnet_v11_sd15_original")));
        Detection.requireCompatible(UNet2DConditionConfig.SD21, KeyMaps.controlNet(list("controlnet_sd21_original")));
        WeightsException e = assertThrows(WeightsException.class,
                () -> Detection.requireCompatible(UNet2DConditionConfig.SD15, KeyMaps.controlNet(list("controlnet_sd21_original"))));
        assertTrue(e.getMessage().contains("input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight") && e.getMessage().contains("1024"), e.getMessage());
    }

    @Test
    void extrasAreCountedAndUnknownKeysListed() {
        HeaderOnlySource f = list("sd15_single_file").edit(m -> {
            for (int i = 0; i < 3; i++) m.put("model_ema.diffusion_modelinput_blocks" + i + "0weight", info("model_ema.diffusion_modelinput_blocks" + i + "0weight", "F32", 320));
            m.put("model_ema.num_updates", info("model_ema.num_updates", "I32"));
            m.put("cond_stage_model.transformer.text_model.embeddings.position_ids", info("cond_stage_model.transformer.text_model.embeddings.position_ids", "I64", 1, 77));
            for (String k : List.of("betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "posterior_mean_coef1", "log_one_minus_alphas_cumprod", "lvlb_weights"))
                m.put(k, info(k, "F32", 1000));
            m.put("something.else", info("something.else", "F32", 3));
        });
        Detected d = Detection.detect(f);
        assertTrue(d.hasEma());
        assertEquals(Map.of("EMA weights", 4, "position_ids buffers", 1, "noise-schedule buffers", 7), d.ignored());
        assertEquals(12, d.ignoredKeys());
        assertEquals(List.of("something.else"), d.unknownKeys());
        assertEquals(UNet2DConditionConfig.SD15, d.unet());
        assertTrue(String.join("\n", d.describe()).contains("4 EMA weights"), d.describe().toString());
        // The text encoder still loads, without position_ids.
        assertEquals(196, KeyMaps.ldmTextEncoder(f).infos().size());
    }

    @Test
    void familyOverrideChangesTheConventions() {
        Detected d = Detection.detect(list("sd15_single_file"), ArchOverrides.of(Family.SD2));
        assertEquals(Family.SD2, d.family());
        assertEquals(List.of(5, 10, 20, 20), d.unet().attentionHeadDim());
        assertTrue(d.unet().upcastAttention());
        assertEquals("gelu", d.textEncoder().hiddenAct());
        Detected h = Detection.detect(list("sd15_single_file"), new ArchOverrides(null, 6, List.of(4)));
        assertEquals(List.of(4, 4, 4, 4), h.unet().attentionHeadDim());
        assertEquals(6, h.textEncoder().numAttentionHeads());
        assertEquals(Family.SD1, Family.parse("SD1.5"));
        assertEquals(Family.SD2, Family.parse("sd21"));
        assertThrows(IllegalArgumentException.class, () -> Family.parse("sdxl"));
        ArchOverrides o = ArchOverrides.fromMap(Map.of("text_encoder_heads", 4, "unet_attention_head_dim", List.of(2, 4, 4, 4)));
        assertEquals(new ArchOverrides(null, 4, List.of(2, 4, 4, 4)), o);
        assertThrows(IllegalArgumentException.class, () -> ArchOverrides.fromMap(Map.of("heads", 4)));
    }

    // ---- errors

    @Test
    void missingKeyIsNamed() {
        HeaderOnlySource f = list("sd15_single_file").edit(m -> m.remove("model.diffusion_model.input_blocks.0.0.weight"));
        WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f));
        assertTrue(e.getMessage().contains("conv_in.weight"), e.getMessage());
        HeaderOnlySource g = list("sd15_single_file").edit(m -> m.remove("first_stage_model.decoder.conv_in.weight"));
        e = assertThrows(WeightsException.class, () -> Detection.detect(g));
        assertTrue(e.getMessage().contains("decoder.conv_in.weight"), e.getMessage());
    }

    @Test
    void crossAttentionWidthsThatDisagreeAreNamed() {
        String k = "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight";
        HeaderOnlySource f = list("sd15_single_file").edit(m -> m.put(k, info(k, "F16", 640, 1024)));
        WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f));
        assertTrue(e.getMessage().contains(k) && e.getMessage().contains("1024"), e.getMessage());
    }

    @Test
    void mixedProjectionRanksAreNamed() {
        String k = "model.diffusion_model.output_blocks.3.1.proj_out.weight";
        HeaderOnlySource f = list("sd15_single_file").edit(m -> m.put(k, info(k, "F16", 1280, 1280)));
        WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f));
        assertTrue(e.getMessage().contains(k), e.getMessage());
    }

    @Test
    void contextWidthDisagreeingWithTheTextEncoderIsNamed() {
        HeaderOnlySource f = list("sd15_single_file").edit(m -> {
            for (String k : m.keySet().toArray(new String[0]))
                if (k.startsWith("cond_stage_model.")) m.remove(k);
            for (Map.Entry<String, TensorInfo> e : list("sd21_v_single_file").infos().entrySet())
                if (e.getKey().startsWith("cond_stage_model.")) m.put(e.getKey(), e.getValue());
        });
        WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f, ArchOverrides.of(Family.SD1)));
        assertTrue(e.getMessage().contains("attn2.to_k.weight") && e.getMessage().contains("token_embedding"), e.getMessage());
    }

    @Test
    void textLayerWithWrongShapeIsNamed() {
        String k = "cond_stage_model.transformer.text_model.encoder.layers.7.mlp.fc2.weight";
        HeaderOnlySource f = list("sd15_single_file").edit(m -> m.put(k, info(k, "F16", 768, 3000)));
        WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f));
        assertTrue(e.getMessage().contains(k), e.getMessage());
    }

    @Test
    void unknownLayout() {
        HeaderOnlySource f = new HeaderOnlySource(Path.of("x.safetensors"), Map.of("a", info("a", "F32", 1)));
        assertThrows(WeightsException.class, () -> Detection.detect(f));
    }
}
