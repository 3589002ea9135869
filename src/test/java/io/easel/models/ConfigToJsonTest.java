package io.easel.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.vae.AutoencoderKLConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The config records written as diffusers / transformers config.json read back as themselves. */
class ConfigToJsonTest {
    static ConfigJson reread(ObjectNode o) throws Exception {
        return ConfigJson.of(new ObjectMapper().readTree(ConfigJson.toText(o)), "test");
    }

    @Test
    void unetConfigsRoundTrip() throws Exception {
        UNet2DConditionConfig tiny2 = new UNet2DConditionConfig(4, 4, List.of(32, 64), 1, 32, List.of(2, 4),
                List.of("CrossAttnDownBlock2D", "DownBlock2D"), List.of("UpBlock2D", "CrossAttnUpBlock2D"), 32, 1e-6, true, true, false, 1);
        for (UNet2DConditionConfig c : List.of(UNet2DConditionConfig.SD15, UNet2DConditionConfig.SD21, UNet2DConditionConfig.SD15.withInChannels(9), tiny2))
            assertEquals(c, UNet2DConditionConfig.fromJson(reread(c.toJson())));
        ObjectNode sd15 = UNet2DConditionConfig.SD15.toJson();
        assertEquals("UNet2DConditionModel", sd15.get("_class_name").asText());
        assertEquals(ConfigJson.DIFFUSERS_VERSION, sd15.get("_diffusers_version").asText());
        assertEquals(8, sd15.get("attention_head_dim").asInt()); // one number, as SD1's config writes it
        assertTrue(UNet2DConditionConfig.SD21.toJson().get("attention_head_dim").isArray());
        assertSorted(sd15);
    }

    @Test
    void vaeAndTextConfigsRoundTrip() throws Exception {
        AutoencoderKLConfig tiny = new AutoencoderKLConfig(3, 3, 4, List.of(32, 64), 1, 32, 0.13025, false, false, false);
        for (AutoencoderKLConfig c : List.of(AutoencoderKLConfig.SD, tiny))
            assertEquals(c, AutoencoderKLConfig.fromJson(reread(c.toJson())));
        for (CLIPTextConfig c : List.of(CLIPTextConfig.SD1, CLIPTextConfig.SD2, new CLIPTextConfig(1000, 32, 64, 2, 4, 40, "gelu", 1e-6)))
            assertEquals(c, CLIPTextConfig.fromJson(reread(c.toJson())));
        assertEquals("AutoencoderKL", AutoencoderKLConfig.SD.toJson().get("_class_name").asText());
        assertEquals("clip_text_model", CLIPTextConfig.SD1.toJson().get("model_type").asText());
        assertSorted(AutoencoderKLConfig.SD.toJson());
        assertSorted(CLIPTextConfig.SD1.toJson());
    }

    /** The golden tiny model's configs: every key diffusers wrote is written back, with the same value (sample_size aside). */
    @Test
    void writesWhatDiffusersWrites() throws Exception {
        String g = System.getProperty("easel.golden");
        org.junit.jupiter.api.Assumptions.assumeTrue(g != null && Files.isDirectory(Path.of(g, "models", "tiny-sd15")), "golden data not available");
        Path dir = Path.of(g, "models", "tiny-sd15");
        JsonNode unet = new ObjectMapper().readTree(dir.resolve("unet/config.json").toFile());
        assertSameFields(unet, UNet2DConditionConfig.fromJson(ConfigJson.read(dir.resolve("unet/config.json"))).toJson(), "sample_size", "_diffusers_version");
        JsonNode vae = new ObjectMapper().readTree(dir.resolve("vae/config.json").toFile());
        assertSameFields(vae, AutoencoderKLConfig.fromJson(ConfigJson.read(dir.resolve("vae/config.json"))).toJson(), "sample_size", "_diffusers_version");
        JsonNode text = new ObjectMapper().readTree(dir.resolve("text_encoder/config.json").toFile());
        // Token ids and projection width follow transformers' defaults, dtype and version are the writer's.
        assertSameFields(text, CLIPTextConfig.fromJson(ConfigJson.read(dir.resolve("text_encoder/config.json"))).toJson(),
                "dtype", "transformers_version", "bos_token_id", "eos_token_id", "pad_token_id");
    }

    static void assertSameFields(JsonNode expected, JsonNode actual, String... skip) {
        List<String> skipped = List.of(skip);
        Iterator<String> it = expected.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (skipped.contains(k)) continue;
            assertTrue(actual.has(k), "missing " + k);
            JsonNode e = expected.get(k), a = actual.get(k);
            if (e.isNumber()) assertEquals(e.asDouble(), a.asDouble(), k);
            else assertEquals(e, a, k);
        }
    }

    static void assertSorted(JsonNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        List<String> sorted = new ArrayList<>(keys);
        java.util.Collections.sort(sorted);
        assertEquals(sorted, keys);
    }
}
