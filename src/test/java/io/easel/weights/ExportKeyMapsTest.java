package io.easel.weights;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.easel.weights.HeaderOnlySource.info;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The inverse key maps on the real full-size headers in golden/core/shapes (no tensor data). */
class ExportKeyMapsTest {
    static Path shapes;

    @BeforeAll
    static void golden() { shapes = HeaderOnlySource.goldenShapes(); }

    static HeaderOnlySource list(String name) { return HeaderOnlySource.read(shapes.resolve(name + ".txt")); }

    /** Key -> "dtype shape", sorted. */
    static Map<String, String> view(TensorSource s) { return view(s, ""); }

    /** The entries whose key starts with {@code prefix}. */
    static Map<String, String> view(TensorSource s, String prefix) {
        Map<String, String> m = new TreeMap<>();
        s.infos().forEach((k, i) -> {
            assertEquals(k, i.key());
            if (k.startsWith(prefix)) m.put(k, i.dtype() + " " + i.shapeString());
        });
        return m;
    }

    static Map<String, String> union(TensorSource... parts) {
        Map<String, String> m = new TreeMap<>();
        for (TensorSource p : parts) view(p).forEach((k, v) -> assertNull(m.put(k, v), k));
        return m;
    }

    @Test
    void sd15DiffusersComponentsExportToTheSingleFileKeys() {
        MappedSource unet = KeyMaps.toLdmUnet(list("sd15_diffusers_unet"), Family.SD1);
        MappedSource vae = KeyMaps.toLdmVae(list("sd15_diffusers_vae"));
        MappedSource text = KeyMaps.toLdmTextEncoder(list("sd15_diffusers_text_encoder"), Family.SD1);
        // The real file holds exactly these three components (its list carries no EMA or schedule buffers).
        assertEquals(view(list("sd15_single_file")), union(unet, vae, text));
        assertEquals("decoder.mid_block.attentions.0.to_q.weight", vae.sourceKey("first_stage_model.decoder.mid.attn_1.q.weight"));
        assertArrayEquals(new long[]{512, 512, 1, 1}, vae.infos().get("first_stage_model.decoder.mid.attn_1.q.weight").shape());
        assertEquals("up_blocks.0.upsamplers.0.conv.weight", unet.sourceKey("model.diffusion_model.output_blocks.2.1.conv.weight"));
        assertEquals("up_blocks.1.upsamplers.0.conv.weight", unet.sourceKey("model.diffusion_model.output_blocks.5.2.conv.weight"));
        assertEquals("down_blocks.2.downsamplers.0.conv.weight", unet.sourceKey("model.diffusion_model.input_blocks.9.0.op.weight"));
    }

    @Test
    void controlNetsExportToTheOriginalLayout() {
        assertEquals(view(list("controlnet_v11_sd15_original")), view(KeyMaps.toOriginalControlNet(list("controlnet_sd15_diffusers"))));
        // SD2.1 ControlNets keep their linear projections in both layouts.
        assertEquals(view(list("controlnet_sd21_original")), view(KeyMaps.toOriginalControlNet(list("controlnet_sd21_diffusers"))));
        MappedSource c = KeyMaps.toOriginalControlNet(list("controlnet_sd15_diffusers"));
        assertEquals("controlnet_cond_embedding.conv_in.weight", c.sourceKey("input_hint_block.0.weight"));
        assertEquals("controlnet_cond_embedding.blocks.2.weight", c.sourceKey("input_hint_block.6.weight"));
        assertEquals("controlnet_cond_embedding.conv_out.weight", c.sourceKey("input_hint_block.14.weight"));
        assertEquals("controlnet_down_blocks.11.weight", c.sourceKey("zero_convs.11.0.weight"));
        assertEquals("controlnet_mid_block.bias", c.sourceKey("middle_block_out.0.bias"));
    }

    /** LDM -> diffusers -> LDM gives back every key and shape of the file's components. */
    @Test
    void singleFilesSurviveARoundTrip() {
        for (String name : List.of("sd15_single_file", "sd15_inpainting_single_file")) {
            HeaderOnlySource f = list(name);
            assertEquals(view(f, KeyMaps.LDM_UNET), view(KeyMaps.toLdmUnet(KeyMaps.ldmUnet(f), Family.SD1)), name);
            assertEquals(view(f, KeyMaps.LDM_VAE), view(KeyMaps.toLdmVae(KeyMaps.ldmVae(f))), name);
            assertEquals(view(f, KeyMaps.LDM_TEXT), view(KeyMaps.toLdmTextEncoder(KeyMaps.ldmTextEncoder(f), Family.SD1)), name);
        }
        // SD2: the UNet (linear projections) and the VAE; its OpenCLIP text tower cannot be rebuilt (see below).
        HeaderOnlySource sd2 = list("sd21_v_single_file");
        assertEquals(view(sd2, KeyMaps.LDM_UNET), view(KeyMaps.toLdmUnet(KeyMaps.ldmUnet(sd2), Family.SD2)));
        assertEquals(view(sd2, KeyMaps.LDM_VAE), view(KeyMaps.toLdmVae(KeyMaps.ldmVae(sd2))));
    }

    @Test
    void originalControlNetsSurviveARoundTrip() {
        for (String name : List.of("controlnet_v11_sd15_original", "controlnet_sd21_original"))
            assertEquals(view(list(name)), view(KeyMaps.toOriginalControlNet(KeyMaps.controlNet(list(name)))), name);
        // v1.0's control_model. prefix is dropped: the export is v1.1 style.
        Map<String, String> bare = new TreeMap<>();
        view(list("controlnet_v10_sd15_original_prefixed")).forEach((k, v) -> bare.put(k.substring(KeyMaps.CONTROL_MODEL.length()), v));
        assertEquals(bare, view(KeyMaps.toOriginalControlNet(KeyMaps.controlNet(list("controlnet_v10_sd15_original_prefixed")))));
    }

    /** diffusers -> LDM -> diffusers is the identity too. */
    @Test
    void diffusersComponentsSurviveARoundTrip() {
        HeaderOnlySource unet = list("sd15_diffusers_unet"), vae = list("sd15_diffusers_vae"), text = list("sd15_diffusers_text_encoder");
        assertEquals(view(unet), view(KeyMaps.ldmUnet(KeyMaps.toLdmUnet(unet, Family.SD1))));
        assertEquals(view(vae), view(KeyMaps.ldmVae(KeyMaps.toLdmVae(vae))));
        assertEquals(view(text), view(KeyMaps.ldmTextEncoder(KeyMaps.toLdmTextEncoder(text, Family.SD1))));
        for (String name : List.of("controlnet_sd15_diffusers", "controlnet_sd21_diffusers"))
            assertEquals(view(list(name)), view(KeyMaps.controlNet(KeyMaps.toOriginalControlNet(list(name)))), name);
    }

    @Test
    void projectionsTakeTheRankOfTheTargetFamily() {
        // An SD1-family export of linear projections writes 1x1 convs, an SD2 export of convs writes linears.
        HeaderOnlySource sd2 = list("sd21_v_single_file");
        MappedSource asSd1 = KeyMaps.toLdmUnet(KeyMaps.ldmUnet(sd2), Family.SD1);
        assertArrayEquals(new long[]{320, 320, 1, 1}, asSd1.infos().get("model.diffusion_model.input_blocks.1.1.proj_in.weight").shape());
        MappedSource asSd2 = KeyMaps.toLdmUnet(list("sd15_diffusers_unet"), Family.SD2);
        assertArrayEquals(new long[]{320, 320}, asSd2.infos().get("model.diffusion_model.input_blocks.1.1.proj_out.weight").shape());
        // Only the projections: attention and resnet weights keep their shapes.
        assertArrayEquals(new long[]{320, 320, 3, 3}, asSd2.infos().get("model.diffusion_model.input_blocks.1.0.in_layers.2.weight").shape());
    }

    @Test
    void sd2TextEncoderExportIsRefused() {
        HeaderOnlySource sd2 = list("sd21_v_single_file");
        WeightsException e = assertThrows(WeightsException.class, () -> KeyMaps.toLdmTextEncoder(KeyMaps.ldmTextEncoder(sd2), Family.SD2));
        assertTrue(e.getMessage().contains("SD2") && e.getMessage().contains("diffusers folder"), e.getMessage());
    }

    @Test
    void unknownKeysAreErrorsNamingThem() {
        HeaderOnlySource unet = list("sd15_diffusers_unet").edit(m -> m.put("add_embedding.linear_1.weight", info("add_embedding.linear_1.weight", "F16", 4, 4)));
        WeightsException e = assertThrows(WeightsException.class, () -> KeyMaps.toLdmUnet(unet, Family.SD1));
        assertTrue(e.getMessage().contains("add_embedding.linear_1.weight"), e.getMessage());
        HeaderOnlySource vae = list("sd15_diffusers_vae").edit(m -> m.put("decoder.up_blocks.0.resnets.0.foo.weight", info("decoder.up_blocks.0.resnets.0.foo.weight", "F16", 4)));
        e = assertThrows(WeightsException.class, () -> KeyMaps.toLdmVae(vae));
        assertTrue(e.getMessage().contains("decoder.up_blocks.0.resnets.0.foo.weight"), e.getMessage());
        // A down block with more resnets than down_blocks.0 does not fit LDM's flat numbering.
        HeaderOnlySource extra = list("sd15_diffusers_unet").edit(m -> m.put("down_blocks.1.resnets.2.conv1.weight", info("down_blocks.1.resnets.2.conv1.weight", "F16", 640, 640, 3, 3)));
        e = assertThrows(WeightsException.class, () -> KeyMaps.toLdmUnet(extra, Family.SD1));
        assertTrue(e.getMessage().contains("down_blocks.1.resnets.2.conv1.weight"), e.getMessage());
        e = assertThrows(WeightsException.class, () -> KeyMaps.toOriginalControlNet(list("sd15_diffusers_unet")));
        assertTrue(e.getMessage().contains("controlnet_cond_embedding"), e.getMessage());
    }

    @Test
    void knownExtrasAreDroppedNotWritten() {
        HeaderOnlySource text = list("sd15_diffusers_text_encoder").edit(m ->
                m.put("text_model.embeddings.position_ids", info("text_model.embeddings.position_ids", "I64", 1, 77)));
        MappedSource t = KeyMaps.toLdmTextEncoder(text, Family.SD1);
        assertEquals(1, t.ignoredCount());
        assertFalse(t.infos().keySet().stream().anyMatch(k -> k.endsWith("position_ids")));
    }

    /** Read backwards, every pair table must still be a function: no diffusers name twice, none a leading run of segments of another. */
    @Test
    void pairTablesAreInvertible() throws Exception {
        int tables = 0;
        for (Field f : KeyMaps.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != String[][].class || f.getName().equals("KNOWN_EXTRAS")) continue;
            f.setAccessible(true);
            String[][] table = (String[][]) f.get(null);
            tables++;
            for (int col : new int[]{KeyMaps.FOREIGN, KeyMaps.DIFFUSERS}) {
                List<String> names = new ArrayList<>();
                for (String[] p : table) names.add(p[col]);
                Set<String> seen = new HashSet<>();
                for (String a : names) {
                    assertTrue(seen.add(a), f.getName() + ": '" + a + "' twice");
                    for (String b : names)
                        assertFalse(!a.equals(b) && b.startsWith(a + "."), f.getName() + ": '" + a + "' is a prefix of '" + b + "'");
                }
            }
            // Each pair read forward then backward gives itself.
            for (String[] p : table) {
                assertEquals(p[1], KeyMaps.rename(p[0], table, KeyMaps.FOREIGN), f.getName());
                assertEquals(p[0], KeyMaps.rename(p[1], table, KeyMaps.DIFFUSERS), f.getName());
            }
        }
        assertTrue(tables >= 15, "found only " + tables + " tables");
    }
}
