package io.easel.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.pipeline.ComponentFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import io.easel.train.shapes.ConditionKind;
import io.easel.train.shapes.ShapesDataset;
import io.easel.weights.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Easel#trainVae} end to end on a tiny VAE and a tiny shapes dataset. */
class TrainVaeTest {
    @TempDir Path tmp;

    static final AutoencoderKLConfig TINY = new AutoencoderKLConfig(3, 3, 4, List.of(8, 16), 1, 4, 1.0, true, true, true);

    private Path data() {
        var o = ShapesDataset.Options.defaults().withConditions(List.of(ConditionKind.CANNY)).withHoldout(2).withThreads(1);
        o = o.withWorld(o.world().withSize(48));
        ShapesDataset.generate(tmp.resolve("data"), 4, 1, o);
        return tmp.resolve("data");
    }

    private VaeTraining request(Path data) throws Exception {
        Path cfg = tmp.resolve("tiny.json");
        Files.writeString(cfg, io.easel.models.ConfigJson.toText(TINY.toJson()));
        return VaeTraining.defaults(data).withConfig(cfg).withResolution(16);
    }

    private static TrainRun run(Path out, long steps) {
        return TrainRun.defaults(out).withSteps(steps).withBatchSize(2).withLr(1e-3);
    }

    @Test
    void trainsAndWritesAVaeTheNormalLoaderReads() throws Exception {
        Path data = data(), out = tmp.resolve("run");
        TrainSummary s = Easel.trainVae(request(data), run(out, 3), false);
        assertEquals(3, s.steps());
        assertFalse(s.resumed());
        assertEquals(out.resolve("final/vae"), s.finalModel());

        // config.json: diffusers AutoencoderKL with the measured scale and the training size
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("final/vae/config.json").toFile());
        assertEquals("AutoencoderKL", cfg.get("_class_name").asText());
        assertEquals(16, cfg.get("sample_size").asInt());
        double sf = cfg.get("scaling_factor").asDouble();
        assertEquals(s.metrics().get("scaling_factor"), sf, 1e-12);
        assertTrue(sf > 0 && Math.abs(sf - 1.0) > 1e-3, "scaling_factor " + sf);
        JsonNode m = new ObjectMapper().readTree(out.resolve("final/metrics.json").toFile());
        assertEquals(sf, m.get("scaling_factor").asDouble(), 1e-12);
        assertEquals("holdout", m.at("/reconstruction/split").asText());
        assertEquals(s.metrics().get("psnr_db"), m.at("/reconstruction/psnr_db").asDouble(), 1e-9);

        // the loader StableDiffusion uses reads the folder, and the weights are the last checkpoint's
        try (AutoencoderKL vae = ComponentFiles.vae(out.resolve("final/vae"), null, DType.FP32);
             SafeTensors ck = SafeTensors.open(out.resolve("checkpoints/checkpoint-3/vae/diffusion_pytorch_model.safetensors"));
             NoGradGuard g = new NoGradGuard(); PointerScope ps = new PointerScope()) {
            assertEquals(sf, vae.config().scalingFactor(), 1e-12);
            assertEquals(TINY.blockOutChannels(), vae.config().blockOutChannels());
            assertEquals(ck.infos().keySet(), vae.parameters().keySet());
            for (var e : vae.parameters().entrySet())
                assertTrue(torch.equal(ck.load(e.getKey()), e.getValue().get()), e.getKey());
            Tensor rec = vae.decode(vae.encode(T.fromFloats(new float[3 * 16 * 16], 1, 3, 16, 16)).mean());
            assertEquals(List.of(1L, 3L, 16L, 16L), java.util.Arrays.stream(T.shape(rec)).boxed().toList());
        }

        // a rerun resumes at the last step and rewrites the final folder
        TrainSummary again = Easel.trainVae(request(data), run(out, 3), false);
        assertTrue(again.resumed());
        assertEquals(3, again.steps());
        assertTrue(Files.isRegularFile(out.resolve("final/vae/diffusion_pytorch_model.safetensors")));
    }

    @Test
    void savesHalfPrecisionOnRequest() throws Exception {
        Path out = tmp.resolve("run16");
        Easel.trainVae(request(data()).withSaveDtype("fp16"), run(out, 1), false);
        try (SafeTensors st = SafeTensors.open(out.resolve("final/vae/diffusion_pytorch_model.safetensors"))) {
            for (var info : st.infos().values()) assertEquals("F16", info.dtype(), info.toString());
        }
        try (AutoencoderKL vae = ComponentFiles.vae(out.resolve("final/vae"), null, DType.FP32)) {
            assertEquals(TINY.latentChannels(), vae.config().latentChannels());
        }
    }

    @Test
    void badDataIsRefusedBeforeTraining() throws Exception {
        Path out = tmp.resolve("run");
        var missing = assertThrows(IllegalArgumentException.class, () -> Easel.trainVae(request(tmp.resolve("nothere")), run(out, 1), false));
        assertTrue(missing.getMessage().contains("nothere"), missing.getMessage());

        Path data = data();
        Path png = data.resolve("images/000002.png");
        Files.write(png, java.util.Arrays.copyOf(Files.readAllBytes(png), 80)); // truncated
        var corrupt = assertThrows(IllegalArgumentException.class, () -> Easel.trainVae(request(data), run(out, 1), false));
        assertTrue(corrupt.getMessage().contains("000002.png") && corrupt.getMessage().contains("corrupt"), corrupt.getMessage());
        Files.writeString(png, "not a png");
        var notImage = assertThrows(IllegalArgumentException.class, () -> Easel.trainVae(request(data), run(out, 1), false));
        assertTrue(notImage.getMessage().contains("000002.png: not an image"), notImage.getMessage());

        var both = assertThrows(IllegalArgumentException.class, () -> Easel.trainVae(request(data).withInit(tmp), run(out, 1), false));
        assertTrue(both.getMessage().contains("--init"), both.getMessage());
        var dtype = assertThrows(IllegalArgumentException.class, () -> Easel.trainVae(request(data).withSaveDtype("fp8"), run(out, 1), false));
        assertTrue(dtype.getMessage().startsWith("--save-dtype"), dtype.getMessage());
        assertFalse(Files.exists(out), "nothing written before the checks");
    }
}
