package io.easel.pipeline;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.sampling.SamplerKind;
import io.easel.sampling.SchedulerConfig;
import io.easel.sampling.StepListener;
import io.easel.tensor.DType;
import io.easel.tensor.Native;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Family;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #2: a tiny random-weight model saved in both key layouts (diffusers folder and LDM
 * single file), each loaded back and run through txt2img, gives the same latents and image bit
 * for bit. The UNet has two levels, not SD's four, so the LDM block numbering is exercised on a
 * topology the golden models do not have.
 */
class ExportEndToEndTest {
    static final UNet2DConditionConfig UNET = new UNet2DConditionConfig(4, 4, List.of(32, 64), 1, 32, List.of(2, 2),
            List.of("CrossAttnDownBlock2D", "DownBlock2D"), List.of("UpBlock2D", "CrossAttnUpBlock2D"), 32, 1e-5, false, false, true, 0);
    /** Four levels, so that 64x64 pixels are 8x8 latents as the pipeline assumes. */
    static final AutoencoderKLConfig VAE = new AutoencoderKLConfig(3, 3, 4, List.of(32, 32, 32, 32), 1, 32, 0.18215, true, true, true);
    static final CLIPTextConfig TEXT = new CLIPTextConfig(49408, 32, 64, 2, 2, 77, "quick_gelu", 1e-5);
    /** What a single file cannot say: the head counts (SD1's convention is 8 in the UNet, width / 64 in the text encoder). */
    static final ArchOverrides HEADS = new ArchOverrides(null, 2, List.of(2));

    @Test
    void bothLayoutsGenerateTheSameImage(@TempDir Path tmp) {
        Native.init();
        Path dir = tmp.resolve("tiny"), file = tmp.resolve("tiny.safetensors");
        try (UNet2DConditionModel unet = new UNet2DConditionModel(UNET); AutoencoderKL vae = new AutoencoderKL(VAE);
             CLIPTextModel text = new CLIPTextModel(TEXT)) {
            unet.init(torch.createCPUGenerator(1), DType.FP32);
            vae.init(torch.createCPUGenerator(2), DType.FP32);
            text.init(torch.createCPUGenerator(3), DType.FP32);
            ModelWriter.Components c = new ModelWriter.Components(Family.SD1, ClipTokenizer.bundled(), text, unet, vae, SchedulerConfig.SD15);
            ModelWriter.saveDiffusersFolder(dir, c, null);
            ModelWriter.saveSingleFile(file, c, null, null);
        }
        try (StableDiffusion a = StableDiffusion.load(dir, LoadOptions.DEFAULT);
             StableDiffusion b = StableDiffusion.load(file, LoadOptions.DEFAULT.withOverrides(HEADS))) {
            assertEquals(UNET, a.unet().config());
            assertEquals(UNET, b.unet().config());
            assertEquals(VAE, b.vae().config());
            assertEquals(TEXT, b.textEncoder().config());
            assertEquals(Family.SD1, b.family());
            Diffusion.Result ra = run(a), rb = run(b);
            assertArrayEquals(new long[]{1, 4, 8, 8}, T.shape(ra.latents()));
            assertArrayEquals(new long[]{1, 64, 64, 3}, T.shape(ra.images()));
            assertTrue(ra.latents().equal(rb.latents()), "latents differ");
            assertTrue(ra.images().equal(rb.images()), "images differ");
            // Not a degenerate pass: the image has content.
            assertTrue(ra.images().std().item().toDouble() > 1e-4);
        }
    }

    static Diffusion.Result run(StableDiffusion sd) {
        return Diffusion.run(sd, new Prompt("a red circle"), new Canvas(64, 64, 1), new SamplingSpec(SamplerKind.EULER_A, 4, 7.5, 0, 42),
                null, List.of(), StepListener.NONE);
    }
}
