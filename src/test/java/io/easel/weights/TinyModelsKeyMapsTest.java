package io.easel.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The tiny golden models: a single file mapped must equal the diffusers folder, key for key and value for value. */
class TinyModelsKeyMapsTest {
    static Path models;
    static final ArchOverrides SD15_OVERRIDES = new ArchOverrides(null, 4, null);
    static final ArchOverrides SD2_OVERRIDES = new ArchOverrides(null, 4, List.of(2, 4, 4, 4));

    @BeforeAll
    static void golden() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null && Files.isDirectory(Path.of(g, "models")), "golden data not available");
        models = Path.of(g, "models");
    }

    static SafeTensors open(String rel) { return SafeTensors.open(models.resolve(rel)); }

    static Map<String, String> view(TensorSource s) {
        Map<String, String> m = new TreeMap<>();
        s.infos().forEach((k, i) -> m.put(k, i.dtype() + " " + i.shapeString()));
        return m;
    }

    /** Same keys, dtypes and shapes, and bit-identical values. */
    static void assertSameTensors(TensorSource expected, TensorSource actual) {
        assertEquals(view(expected), view(actual));
        for (String k : expected.infos().keySet()) {
            Tensor e = expected.load(k), a = actual.load(k);
            assertArrayEquals(T.shape(e), T.shape(a), k);
            assertEquals(T.dtype(e), T.dtype(a), k);
            assertTrue(e.equal(a), () -> k + " differs");
        }
    }

    static JsonNode config(String rel) {
        try {
            return new ObjectMapper().readTree(models.resolve(rel).toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Integer> ints(JsonNode n) {
        List<Integer> out = new ArrayList<>();
        if (n.isArray()) n.forEach(x -> out.add(x.asInt()));
        else for (int i = 0; i < 4; i++) out.add(n.asInt());
        return out;
    }

    static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    /** A diffusers UNet config.json as the record (only the fields the SD topology has). */
    static UNet2DConditionConfig unetConfig(JsonNode c) {
        return new UNet2DConditionConfig(c.get("in_channels").asInt(), c.get("out_channels").asInt(), ints(c.get("block_out_channels")),
                c.get("layers_per_block").asInt(), c.get("cross_attention_dim").asInt(), ints(c.get("attention_head_dim")),
                strings(c.get("down_block_types")), strings(c.get("up_block_types")), c.get("norm_num_groups").asInt(),
                c.get("norm_eps").asDouble(), c.get("use_linear_projection").asBoolean(), c.get("upcast_attention").asBoolean(),
                c.get("flip_sin_to_cos").asBoolean(), c.get("freq_shift").asInt());
    }

    @Test
    void tinySd15SingleFileEqualsTheDiffusersFolder() {
        try (SafeTensors f = open("tiny-sd15.safetensors");
             SafeTensors unet = open("tiny-sd15/unet/diffusion_pytorch_model.safetensors");
             SafeTensors vae = open("tiny-sd15/vae/diffusion_pytorch_model.safetensors");
             SafeTensors text = open("tiny-sd15/text_encoder/model.safetensors")) {
            assertSameTensors(unet, KeyMaps.ldmUnet(f));
            assertSameTensors(vae, KeyMaps.ldmVae(f));
            assertSameTensors(text, KeyMaps.ldmTextEncoder(f));
        }
    }

    @Test
    void tinySd15Detection() {
        try (SafeTensors f = open("tiny-sd15.safetensors")) {
            Detected d = Detection.detect(f, SD15_OVERRIDES);
            assertEquals(Family.SD1, d.family());
            assertEquals(unetConfig(config("tiny-sd15/unet/config.json")), d.unet());
            JsonNode v = config("tiny-sd15/vae/config.json");
            assertEquals(new AutoencoderKLConfig(v.get("in_channels").asInt(), v.get("out_channels").asInt(), v.get("latent_channels").asInt(),
                    ints(v.get("block_out_channels")), v.get("layers_per_block").asInt(), v.get("norm_num_groups").asInt(),
                    v.get("scaling_factor").asDouble(), v.get("use_quant_conv").asBoolean(), v.get("use_post_quant_conv").asBoolean(),
                    v.get("mid_block_add_attention").asBoolean()), d.vae());
            JsonNode t = config("tiny-sd15/text_encoder/config.json");
            assertEquals(new CLIPTextConfig(t.get("vocab_size").asInt(), t.get("hidden_size").asInt(), t.get("intermediate_size").asInt(),
                    t.get("num_hidden_layers").asInt(), t.get("num_attention_heads").asInt(), t.get("max_position_embeddings").asInt(),
                    t.get("hidden_act").asText(), t.get("layer_norm_eps").asDouble()), d.textEncoder());
            assertEquals(Map.of("noise-schedule buffers", 1), d.ignored()); // alphas_cumprod
            assertTrue(d.unknownKeys().isEmpty());
            // Without the override the tiny text width (32) has no conventional head count.
            WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f));
            assertTrue(e.getMessage().contains("text_encoder_heads"), e.getMessage());
        }
    }

    @Test
    void tinyControlNetOriginalEqualsDiffusers() {
        try (SafeTensors f = open("tiny-controlnet-a.safetensors");
             SafeTensors d = open("tiny-controlnet-a/diffusion_pytorch_model.safetensors");
             SafeTensors base = open("tiny-sd15.safetensors")) {
            MappedSource c = KeyMaps.controlNet(f);
            assertSameTensors(d, c);
            Detected det = Detection.detect(f);
            JsonNode cfg = config("tiny-controlnet-a/config.json");
            assertEquals(new Detected.ControlNetHint(cfg.get("conditioning_channels").asInt(), ints(cfg.get("conditioning_embedding_out_channels"))), det.controlNet());
            assertEquals(ints(cfg.get("block_out_channels")), det.unet().blockOutChannels());
            assertEquals(cfg.get("cross_attention_dim").asInt(), det.unet().crossAttentionDim());
            assertEquals(ints(cfg.get("attention_head_dim")), det.unet().attentionHeadDim());
            Detection.requireCompatible(Detection.detect(base, SD15_OVERRIDES).unet(), c);
            try (SafeTensors sd2 = open("tiny-sd2.safetensors")) {
                WeightsException e = assertThrows(WeightsException.class,
                        () -> Detection.requireCompatible(Detection.detect(sd2, SD2_OVERRIDES).unet(), c));
                assertTrue(e.getMessage().contains("attn2.to_k.weight"), e.getMessage());
            }
        }
    }

    @Test
    void tinySd2UnetAndVae() {
        try (SafeTensors f = open("tiny-sd2.safetensors");
             SafeTensors unet = open("tiny-sd2-unet/diffusion_pytorch_model.safetensors");
             SafeTensors vae = open("tiny-sd15/vae/diffusion_pytorch_model.safetensors")) {
            assertSameTensors(unet, KeyMaps.ldmUnet(f));
            assertSameTensors(vae, KeyMaps.ldmVae(f));
            Detected d = Detection.detect(f, SD2_OVERRIDES);
            assertEquals(Family.SD2, d.family());
            assertEquals(unetConfig(config("tiny-sd2-unet/config.json")), d.unet());
            assertEquals(new CLIPTextConfig(49408, 48, 192, 3, 4, 77, "gelu", 1e-5), d.textEncoder());
            assertEquals("v_prediction", d.family().defaultPredictionType());
            // SD2 heads are channels / 64: the tiny channels need the override.
            WeightsException e = assertThrows(WeightsException.class, () -> Detection.detect(f, new ArchOverrides(null, 4, null)));
            assertTrue(e.getMessage().contains("unet_attention_head_dim"), e.getMessage());
        }
    }

    @Test
    void tinySd2TextEncoderSplitsTheFusedProjection() {
        try (SafeTensors f = open("tiny-sd2.safetensors")) {
            MappedSource t = KeyMaps.ldmTextEncoder(f);
            assertEquals(4 + 3 * 16, t.infos().size());
            assertEquals(Map.of(KeyMaps.UNUSED_LAST_LAYER, 12, "CLIP projection (unused by the text model)", 2), t.ignoredCounts());
            for (int l = 0; l < 3; l++) {
                String p = "cond_stage_model.model.transformer.resblocks." + l + ".attn.in_proj_";
                Tensor w = f.load(p + "weight"), b = f.load(p + "bias");
                String[] qkv = {"q_proj", "k_proj", "v_proj"};
                for (int i = 0; i < 3; i++) {
                    String q = "text_model.encoder.layers." + l + ".self_attn." + qkv[i] + ".";
                    assertTrue(w.narrow(0, 48L * i, 48).equal(t.load(q + "weight")), q + "weight");
                    assertTrue(b.narrow(0, 48L * i, 48).equal(t.load(q + "bias")), q + "bias");
                }
            }
            assertTrue(f.load("cond_stage_model.model.positional_embedding").equal(t.load("text_model.embeddings.position_embedding.weight")));
            assertTrue(f.load("cond_stage_model.model.transformer.resblocks.2.mlp.c_proj.weight").equal(t.load("text_model.encoder.layers.2.mlp.fc2.weight")));
        }
    }

    /**
     * The mapping checked against the reference numbers: a minimal CLIP text transformer (float32,
     * causal mask) run on the mapped SD2 weights must give the golden {@code sd2_penultimate}
     * output, which proves the q/k/v split order and the dropped last block.
     */
    @Test
    void tinySd2TextEncoderReproducesTheGoldenPenultimateOutput() {
        Path caseDir = models.getParent().resolve("core/clip_text_encoder/sd2_single_file");
        assumeTrue(Files.isDirectory(caseDir), "case not available");
        try (SafeTensors f = open("tiny-sd2.safetensors"); SafeTensors data = SafeTensors.open(caseDir.resolve("data.safetensors"))) {
            MappedSource t = KeyMaps.ldmTextEncoder(f);
            CLIPTextConfig c = Detection.detect(f, SD2_OVERRIDES).textEncoder();
            Tensor out = referenceClip(t, data.load("ids").to(ScalarType.Long), c.numHiddenLayers(), c.numAttentionHeads());
            Tensor expected = data.load("penultimate");
            double err = T.maxAbs(out.sub(expected)) / Math.max(1, T.maxAbs(expected));
            assertTrue(err < 1e-4, "max_err=" + err);
        }
    }

    private static Tensor referenceClip(TensorSource w, Tensor ids, int layers, int heads) {
        java.util.function.Function<String, Tensor> p = k -> w.load("text_model." + k).to(ScalarType.Float);
        Tensor x = torch.embedding(p.apply("embeddings.token_embedding.weight"), ids).add(p.apply("embeddings.position_embedding.weight"));
        long b = x.size(0), s = x.size(1), d = x.size(2), hd = d / heads;
        float[] m = new float[(int) (s * s)];
        for (int i = 0; i < s; i++) for (int j = i + 1; j < s; j++) m[(int) (i * s + j)] = Float.NEGATIVE_INFINITY;
        Tensor mask = T.fromFloats(m, s, s);
        for (int l = 0; l < layers; l++) {
            String q = "encoder.layers." + l + ".";
            Tensor h = ln(x, p, q + "layer_norm1");
            Tensor qs = lin(h, p, q + "self_attn.q_proj").view(b, s, heads, hd).transpose(1, 2);
            Tensor ks = lin(h, p, q + "self_attn.k_proj").view(b, s, heads, hd).transpose(1, 2);
            Tensor vs = lin(h, p, q + "self_attn.v_proj").view(b, s, heads, hd).transpose(1, 2);
            Tensor att = qs.matmul(ks.transpose(2, 3)).mul(T.s(1 / Math.sqrt(hd))).add(mask).softmax(-1);
            x = x.add(lin(att.matmul(vs).transpose(1, 2).reshape(b, s, d), p, q + "self_attn.out_proj"));
            h = torch.gelu(lin(ln(x, p, q + "layer_norm2"), p, q + "mlp.fc1"));
            x = x.add(lin(h, p, q + "mlp.fc2"));
        }
        return ln(x, p, "final_layer_norm");
    }

    private static Tensor ln(Tensor x, java.util.function.Function<String, Tensor> p, String k) {
        return torch.layer_norm(x, new long[]{x.size(-1)}, T.opt(p.apply(k + ".weight")), T.opt(p.apply(k + ".bias")), 1e-5, false);
    }

    private static Tensor lin(Tensor x, java.util.function.Function<String, Tensor> p, String k) {
        return torch.linear(x, p.apply(k + ".weight"), T.opt(p.apply(k + ".bias")));
    }
}
