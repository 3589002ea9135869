package io.easel.weights;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.easel.weights.HeaderOnlySource.info;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Key mapping on the real full-size headers in golden/core/shapes (no tensor data). */
class KeyMapsTest {
    static Path shapes;

    @BeforeAll
    static void golden() { shapes = HeaderOnlySource.goldenShapes(); }

    static HeaderOnlySource list(String name) { return HeaderOnlySource.read(shapes.resolve(name + ".txt")); }

    /** Key -> "dtype shape", sorted, so a failed assertEquals shows a readable diff. */
    static Map<String, String> view(TensorSource s) {
        Map<String, String> m = new TreeMap<>();
        s.infos().forEach((k, i) -> {
            assertEquals(k, i.key());
            m.put(k, i.dtype() + " " + i.shapeString());
        });
        return m;
    }

    static void assertMapsTo(TensorSource expected, MappedSource actual) {
        assertEquals(view(expected), view(actual));
        assertTrue(actual.unknownKeys().isEmpty(), () -> "unknown: " + actual.unknownKeys());
    }

    @Test
    void sd15SingleFileMapsToTheDiffusersComponents() {
        HeaderOnlySource f = list("sd15_single_file");
        assertMapsTo(list("sd15_diffusers_unet"), KeyMaps.ldmUnet(f));
        assertMapsTo(list("sd15_diffusers_vae"), KeyMaps.ldmVae(f));
        assertMapsTo(list("sd15_diffusers_text_encoder"), KeyMaps.ldmTextEncoder(f));
        assertEquals(0, KeyMaps.ldmUnet(f).ignoredCount());
        // The layout-dispatching factories agree.
        assertMapsTo(list("sd15_diffusers_unet"), KeyMaps.unet(f));
        assertMapsTo(list("sd15_diffusers_vae"), KeyMaps.vae(f));
        assertMapsTo(list("sd15_diffusers_text_encoder"), KeyMaps.textEncoder(f));
    }

    @Test
    void sd15SingleFileMapsEveryKeyOnce() {
        HeaderOnlySource f = list("sd15_single_file");
        TreeSet<String> used = new TreeSet<>();
        for (MappedSource m : new MappedSource[]{KeyMaps.ldmUnet(f), KeyMaps.ldmVae(f), KeyMaps.ldmTextEncoder(f)})
            for (String k : m.mappedSourceKeys()) assertTrue(used.add(k), k);
        assertEquals(new TreeSet<>(f.infos().keySet()), used);
    }

    @Test
    void vaeMidAttentionBecomesLinear() {
        MappedSource v = KeyMaps.ldmVae(list("sd15_single_file"));
        assertEquals("first_stage_model.encoder.mid.attn_1.q.weight", v.sourceKey("encoder.mid_block.attentions.0.to_q.weight"));
        assertArrayEquals(new long[]{512, 512}, v.infos().get("decoder.mid_block.attentions.0.to_out.0.weight").shape());
        assertEquals("first_stage_model.decoder.up.0.block.2.conv1.weight", v.sourceKey("decoder.up_blocks.3.resnets.2.conv1.weight"));
    }

    @Test
    void unetBlockIndicesFollowTheDiffusersConverter() {
        MappedSource u = KeyMaps.ldmUnet(list("sd15_single_file"));
        String p = KeyMaps.LDM_UNET;
        assertEquals(p + "input_blocks.4.0.skip_connection.weight", u.sourceKey("down_blocks.1.resnets.0.conv_shortcut.weight"));
        assertEquals(p + "input_blocks.5.1.proj_in.weight", u.sourceKey("down_blocks.1.attentions.1.proj_in.weight"));
        assertEquals(p + "input_blocks.9.0.op.weight", u.sourceKey("down_blocks.2.downsamplers.0.conv.weight"));
        assertEquals(p + "output_blocks.2.1.conv.weight", u.sourceKey("up_blocks.0.upsamplers.0.conv.weight"));
        assertEquals(p + "output_blocks.5.2.conv.bias", u.sourceKey("up_blocks.1.upsamplers.0.conv.bias"));
        assertEquals(p + "output_blocks.11.1.transformer_blocks.0.attn2.to_k.weight", u.sourceKey("up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_k.weight"));
        assertEquals(p + "middle_block.2.emb_layers.1.weight", u.sourceKey("mid_block.resnets.1.time_emb_proj.weight"));
        assertEquals(p + "time_embed.2.bias", u.sourceKey("time_embedding.linear_2.bias"));
        assertEquals(p + "out.2.weight", u.sourceKey("conv_out.weight"));
    }

    @Test
    void inpaintingSingleFileMapsToTheSameKeys() {
        HeaderOnlySource f = list("sd15_inpainting_single_file");
        MappedSource u = KeyMaps.ldmUnet(f);
        assertEquals(new TreeSet<>(list("sd15_diffusers_unet").infos().keySet()), new TreeSet<>(u.infos().keySet()));
        assertArrayEquals(new long[]{320, 9, 3, 3}, u.infos().get("conv_in.weight").shape());
    }

    @Test
    void controlNetsMapToDiffusers() {
        assertMapsTo(list("controlnet_sd15_diffusers"), KeyMaps.controlNet(list("controlnet_v11_sd15_original")));
        assertMapsTo(list("controlnet_sd15_diffusers"), KeyMaps.controlNet(list("controlnet_v10_sd15_original_prefixed")));
        assertMapsTo(list("controlnet_sd21_diffusers"), KeyMaps.controlNet(list("controlnet_sd21_original")));
        // A diffusers ControlNet passes through.
        assertMapsTo(list("controlnet_sd21_diffusers"), KeyMaps.controlNet(list("controlnet_sd21_diffusers")));
        MappedSource c = KeyMaps.controlNet(list("controlnet_v10_sd15_original_prefixed"));
        assertEquals("control_model.input_hint_block.0.weight", c.sourceKey("controlnet_cond_embedding.conv_in.weight"));
        assertEquals("control_model.input_hint_block.6.weight", c.sourceKey("controlnet_cond_embedding.blocks.2.weight"));
        assertEquals("control_model.input_hint_block.14.weight", c.sourceKey("controlnet_cond_embedding.conv_out.weight"));
        assertEquals("control_model.zero_convs.11.0.weight", c.sourceKey("controlnet_down_blocks.11.weight"));
        assertEquals("control_model.middle_block_out.0.bias", c.sourceKey("controlnet_mid_block.bias"));
    }

    @Test
    void fullControlNetCheckpointIgnoresTheBundledBaseModel() {
        HeaderOnlySource f = list("controlnet_v10_sd15_original_prefixed").edit(m -> {
            m.put("model.diffusion_model.out.2.weight", info("model.diffusion_model.out.2.weight", "F16", 4, 320, 3, 3));
            m.put("first_stage_model.quant_conv.weight", info("first_stage_model.quant_conv.weight", "F16", 8, 8, 1, 1));
            m.put("betas", info("betas", "F32", 1000));
        });
        MappedSource c = KeyMaps.controlNet(f);
        assertMapsTo(list("controlnet_sd15_diffusers"), c);
        assertEquals(Map.of(KeyMaps.BUNDLED_BASE, 2, "noise-schedule buffers", 1), c.ignoredCounts());
    }

    @Test
    void sd21SingleFile() {
        HeaderOnlySource f = list("sd21_v_single_file");
        MappedSource u = KeyMaps.ldmUnet(f);
        // Same topology as SD1.5, other shapes (linear projections, context 1024).
        assertEquals(new TreeSet<>(list("sd15_diffusers_unet").infos().keySet()), new TreeSet<>(u.infos().keySet()));
        assertArrayEquals(new long[]{320, 320}, u.infos().get("down_blocks.0.attentions.0.proj_in.weight").shape());
        assertArrayEquals(new long[]{320, 1024}, u.infos().get("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight").shape());
        assertMapsTo(list("sd15_diffusers_vae"), KeyMaps.ldmVae(f));

        MappedSource t = KeyMaps.ldmTextEncoder(f);
        assertEquals(4 + 23 * 16, t.infos().size());
        assertFalse(t.has("text_model.encoder.layers.23.layer_norm1.weight"));
        assertArrayEquals(new long[]{1024, 1024}, t.infos().get("text_model.encoder.layers.22.self_attn.v_proj.weight").shape());
        assertArrayEquals(new long[]{1024}, t.infos().get("text_model.encoder.layers.0.self_attn.k_proj.bias").shape());
        assertArrayEquals(new long[]{4096, 1024}, t.infos().get("text_model.encoder.layers.0.mlp.fc1.weight").shape());
        assertArrayEquals(new long[]{77, 1024}, t.infos().get("text_model.embeddings.position_embedding.weight").shape());
        assertEquals("cond_stage_model.model.ln_final.weight", t.sourceKey("text_model.final_layer_norm.weight"));
        assertEquals("cond_stage_model.model.transformer.resblocks.5.mlp.c_proj.bias", t.sourceKey("text_model.encoder.layers.5.mlp.fc2.bias"));
        assertEquals(Map.of(KeyMaps.UNUSED_LAST_LAYER, 12, "CLIP projection (unused by the text model)", 2), t.ignoredCounts());
    }

    @Test
    void projectionsReshapeToTheRankTheModelExpects() {
        MappedSource u = KeyMaps.ldmUnet(list("sd15_single_file"));
        MappedSource lin = u.withProjections(true);
        assertArrayEquals(new long[]{640, 640}, lin.infos().get("down_blocks.1.attentions.0.proj_out.weight").shape());
        assertArrayEquals(new long[]{640}, lin.infos().get("down_blocks.1.attentions.0.proj_out.bias").shape());
        assertEquals(u.sourceKey("mid_block.attentions.0.proj_in.weight"), lin.sourceKey("mid_block.attentions.0.proj_in.weight"));
        MappedSource conv = KeyMaps.ldmUnet(list("sd21_v_single_file")).withProjections(false);
        assertArrayEquals(new long[]{1280, 1280, 1, 1}, conv.infos().get("up_blocks.1.attentions.2.proj_in.weight").shape());
        assertEquals(view(u), view(u.withProjections(false)));
    }

    @Test
    void diffusersFilesPassThroughLessTheirExtras() {
        HeaderOnlySource te = list("sd15_diffusers_text_encoder").edit(m ->
                m.put("text_model.embeddings.position_ids", info("text_model.embeddings.position_ids", "I64", 1, 77)));
        MappedSource t = KeyMaps.textEncoder(te);
        assertMapsTo(list("sd15_diffusers_text_encoder"), t);
        assertEquals(Map.of("position_ids buffers", 1), t.ignoredCounts());
        assertMapsTo(list("sd15_diffusers_unet"), KeyMaps.unet(list("sd15_diffusers_unet")));
    }

    @Test
    void legacyDiffusersVaeAttentionNamesAreRenamed() {
        HeaderOnlySource vae = list("sd15_diffusers_vae").edit(m -> {
            for (String side : new String[]{"encoder", "decoder"}) {
                String p = side + ".mid_block.attentions.0.";
                for (String[] r : KeyMaps.DIFFUSERS_LEGACY_VAE_ATTENTION)
                    for (String wb : new String[]{".weight", ".bias"}) {
                        TensorInfo i = m.remove(p + r[1] + wb);
                        m.put(p + r[0] + wb, info(p + r[0] + wb, i.dtype(), i.shape()));
                    }
            }
        });
        assertMapsTo(list("sd15_diffusers_vae"), KeyMaps.vae(vae));
    }

    @Test
    void sd1TextEncoderWithoutTheTextModelSegment() {
        HeaderOnlySource f = list("sd15_single_file").edit(m -> {
            for (String k : m.keySet().toArray(new String[0])) {
                if (!k.startsWith(KeyMaps.LDM_CLIP)) continue;
                TensorInfo i = m.remove(k);
                String nk = k.replace("transformer.text_model.", "transformer.");
                m.put(nk, info(nk, i.dtype(), i.shape()));
            }
        });
        assertMapsTo(list("sd15_diffusers_text_encoder"), KeyMaps.ldmTextEncoder(f));
    }

    // ---- errors

    @Test
    void unknownKeyInAComponentIsAnErrorNamingIt() {
        HeaderOnlySource f = list("sd15_single_file").edit(m ->
                m.put("model.diffusion_model.label_emb.0.0.weight", info("model.diffusion_model.label_emb.0.0.weight", "F16", 1280, 1280)));
        WeightsException e = assertThrows(WeightsException.class, () -> KeyMaps.ldmUnet(f));
        assertTrue(e.getMessage().contains("model.diffusion_model.label_emb.0.0.weight"), e.getMessage());
        // Other components of the same file are unaffected.
        assertMapsTo(list("sd15_diffusers_vae"), KeyMaps.ldmVae(f));
    }

    @Test
    void unknownResBlockPartIsAnError() {
        HeaderOnlySource f = list("sd15_single_file").edit(m ->
                m.put("model.diffusion_model.input_blocks.1.0.in_layers.1.weight", info("model.diffusion_model.input_blocks.1.0.in_layers.1.weight", "F16", 320)));
        WeightsException e = assertThrows(WeightsException.class, () -> KeyMaps.ldmUnet(f));
        assertTrue(e.getMessage().contains("input_blocks.1.0.in_layers.1.weight"), e.getMessage());
    }

    @Test
    void unknownLayoutIsAnError() {
        HeaderOnlySource f = new HeaderOnlySource(Path.of("weird.safetensors"), Map.of("foo.weight", info("foo.weight", "F32", 3)));
        WeightsException e = assertThrows(WeightsException.class, () -> Layout.of(f));
        assertTrue(e.getMessage().contains("unknown checkpoint layout") && e.getMessage().contains("foo.weight"), e.getMessage());
        assertThrows(WeightsException.class, () -> KeyMaps.unet(f));
        assertThrows(WeightsException.class, () -> KeyMaps.ldmUnet(f));
        assertThrows(WeightsException.class, () -> KeyMaps.controlNet(f));
        assertThrows(WeightsException.class, () -> KeyMaps.ldmTextEncoder(f));
    }

    @Test
    void wrongComponentForTheLayoutIsAnError() {
        WeightsException e = assertThrows(WeightsException.class, () -> KeyMaps.textEncoder(list("controlnet_v11_sd15_original")));
        assertTrue(e.getMessage().contains("controlnet-original"), e.getMessage());
    }

    @Test
    void fusedProjectionThatDoesNotSplitIsAnError() {
        String k = "cond_stage_model.model.transformer.resblocks.3.attn.in_proj_weight";
        HeaderOnlySource f = list("sd21_v_single_file").edit(m -> m.put(k, info(k, "F16", 3071, 1024)));
        WeightsException e = assertThrows(WeightsException.class, () -> KeyMaps.ldmTextEncoder(f));
        assertTrue(e.getMessage().contains(k), e.getMessage());
    }

    @Test
    void layoutsAreRecognised() {
        assertEquals(Layout.LDM_CHECKPOINT, Layout.of(list("sd15_single_file")));
        assertEquals(Layout.CONTROLNET_ORIGINAL, Layout.of(list("controlnet_v11_sd15_original")));
        assertEquals(Layout.CONTROLNET_ORIGINAL, Layout.of(list("controlnet_v10_sd15_original_prefixed")));
        assertEquals(Layout.CONTROLNET_DIFFUSERS, Layout.of(list("controlnet_sd15_diffusers")));
        assertEquals(Layout.DIFFUSERS_UNET, Layout.of(list("sd15_diffusers_unet")));
        assertEquals(Layout.DIFFUSERS_VAE, Layout.of(list("sd15_diffusers_vae")));
        assertEquals(Layout.TRANSFORMERS_CLIP, Layout.of(list("sd15_diffusers_text_encoder")));
        // Bare LDM components, as extracted UNets and vae-ft-mse files store them.
        HeaderOnlySource f = list("sd15_single_file");
        assertEquals(Layout.LDM_VAE, Layout.of(strip(f, KeyMaps.LDM_VAE)));
        assertMapsTo(list("sd15_diffusers_vae"), KeyMaps.vae(strip(f, KeyMaps.LDM_VAE)));
        assertEquals(Layout.LDM_UNET, Layout.of(strip(f, KeyMaps.LDM_UNET)));
        assertMapsTo(list("sd15_diffusers_unet"), KeyMaps.unet(strip(f, KeyMaps.LDM_UNET)));
    }

    /** The keys under {@code prefix}, without it. */
    static HeaderOnlySource strip(HeaderOnlySource f, String prefix) {
        return f.edit(m -> {
            Map<String, TensorInfo> out = new java.util.LinkedHashMap<>();
            m.forEach((k, i) -> {
                if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), info(k.substring(prefix.length()), i.dtype(), i.shape()));
            });
            m.clear();
            m.putAll(out);
        });
    }
}
