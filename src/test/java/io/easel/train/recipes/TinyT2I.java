package io.easel.train.recipes;

import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.pipeline.ModelWriter;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.text.ClipTokenizer;
import io.easel.weights.Export;
import io.easel.weights.Family;
import org.bytedeco.pytorch.global.torch;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tiny seeded models and data for the text-to-image recipe's tests: 16x16 images, an f=8 VAE
 * (2x2 latents), a 2-layer 32-wide CLIP and a 2-level UNet, each saved as the component folders
 * the recipe reads.
 */
final class TinyT2I {
    private TinyT2I() {}

    static final int SIZE = 16;
    /** SD1's GroupNorm groups and scaling factor, so that the LDM single file describes it too. */
    static final AutoencoderKLConfig VAE = new AutoencoderKLConfig(3, 3, 4, List.of(32, 32, 32, 32), 1, 32, 0.18215, true, true, true);
    static final CLIPTextConfig TEXT = new CLIPTextConfig(49408, 32, 64, 2, 2, 77, "quick_gelu", 1e-5);
    /** Two levels: 2x2 latents halve once; 32 groups as single files assume. */
    static final UNet2DConditionConfig UNET = unet(32);

    static UNet2DConditionConfig unet(int crossAttentionDim) {
        return new UNet2DConditionConfig(4, 4, List.of(32, 64), 1, crossAttentionDim, List.of(2, 2),
                List.of("CrossAttnDownBlock2D", "DownBlock2D"), List.of("UpBlock2D", "CrossAttnUpBlock2D"), 32, 1e-5, false, false, true, 0);
    }

    static final String[] CAPTIONS = {"a red square", "a blue circle", "a green square", "a yellow circle"};
    static final Color[] COLORS = {Color.RED, Color.BLUE, Color.GREEN, Color.YELLOW};

    /** An images/ + captions.txt dataset of {@code n} 16x16 pictures (a coloured square or disc on grey). */
    static Path dataset(Path dir, int n) {
        try {
            Files.createDirectories(dir.resolve("images"));
            StringBuilder caps = new StringBuilder();
            for (int i = 0; i < n; i++) {
                BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(Color.GRAY);
                g.fillRect(0, 0, SIZE, SIZE);
                g.setColor(COLORS[i % 4]);
                if (i % 2 == 0) g.fillRect(3, 3, 10, 10); else g.fillOval(3, 3, 10, 10);
                g.dispose();
                ImageIO.write(img, "png", dir.resolve("images").resolve(String.format("%04d.png", i)).toFile());
                caps.append(String.format("%04d\t%s%n", i, CAPTIONS[i % 4]));
            }
            Files.writeString(dir.resolve("captions.txt"), caps.toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AutoencoderKL vae() {
        AutoencoderKL m = new AutoencoderKL(VAE);
        m.init(torch.createCPUGenerator(11), DType.FP32);
        return m;
    }

    static CLIPTextModel text() {
        CLIPTextModel m = new CLIPTextModel(TEXT);
        m.init(torch.createCPUGenerator(12), DType.FP32);
        return m;
    }

    /** A diffusers VAE folder. */
    static Path vaeFolder(Path dir) {
        try (AutoencoderKL m = vae()) {
            return component(dir, VAE.toJson().put("sample_size", SIZE), m, "diffusion_pytorch_model.safetensors");
        }
    }

    /** A transformers CLIPTextModel folder. */
    static Path textFolder(Path dir) {
        try (CLIPTextModel m = text()) {
            return component(dir, TEXT.toJson(), m, "model.safetensors");
        }
    }

    /** A UNet config.json (sample_size 2: 16-pixel images). */
    static Path unetJson(Path file, UNet2DConditionConfig c) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, ConfigJson.toText(c.toJson().put("sample_size", SIZE / 8)));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whole diffusers pipeline of the tiny models (UNet seeded with {@code unetSeed}), native size 16. */
    static Path pipeline(Path dir, long unetSeed) {
        try (UNet2DConditionModel u = new UNet2DConditionModel(UNET); AutoencoderKL v = vae(); CLIPTextModel t = text()) {
            u.init(torch.createCPUGenerator(unetSeed), DType.FP32);
            ModelWriter.saveDiffusersFolder(dir, new ModelWriter.Components(Family.SD1, ClipTokenizer.bundled(), t, u, v, SchedulerConfig.SD15), null, SIZE);
            return dir;
        }
    }

    private static Path component(Path dir, com.fasterxml.jackson.databind.node.ObjectNode config, Module m, String weights) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), ConfigJson.toText(config));
            Export.writeComponent(dir.resolve(weights), Export.stateDict(m), null);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
