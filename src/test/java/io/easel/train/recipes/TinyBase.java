package io.easel.train.recipes;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.pipeline.ModelWriter;
import io.easel.sampling.SchedulerConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import io.easel.weights.Family;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny random Stable Diffusion pipeline folder and synthetic ControlNet pairs for recipe tests:
 * 32x32 images (4x4 latents), a two-level UNet, a four-level VAE (or fewer levels, for smaller
 * images) whose posterior is nearly deterministic and whose latents have about unit spread, a
 * two-layer CLIP.
 */
final class TinyBase {
    private TinyBase() {}

    static final UNet2DConditionConfig UNET = new UNet2DConditionConfig(4, 4, List.of(32, 64), 1, 32, List.of(2, 2),
            List.of("CrossAttnDownBlock2D", "DownBlock2D"), List.of("UpBlock2D", "CrossAttnUpBlock2D"), 32, 1e-5, false, false, true, 0);
    static final CLIPTextConfig TEXT = new CLIPTextConfig(49408, 32, 64, 2, 2, 77, "quick_gelu", 1e-5);
    /** Four stages, so the hint network shrinks the condition 8x as the VAE does. */
    static final List<Integer> HINT = List.of(8, 8, 16, 16);
    static final int SIZE = 32;
    static final String CAPTION = "a red shape on blue";

    static AutoencoderKLConfig vae(int levels, double scaling) {
        return new AutoencoderKLConfig(3, 3, 4, java.util.Collections.nCopies(levels, 32), 1, 32, scaling, true, true, true);
    }

    /**
     * Writes the pipeline folder. The VAE's log-variance output is pinned at -20 (a posterior
     * sample is its mean) and its scaling factor is 1 / the spread of the means over
     * {@code calibration} images, so latents are about unit-variance as SD's are.
     */
    static Path write(Path dir, List<Path> calibration) { return write(dir, calibration, 4); }

    /** As {@link #write(Path, List)} with a VAE of {@code vaeLevels} levels (factor 2^(levels-1)). */
    static Path write(Path dir, List<Path> calibration, int vaeLevels) {
        try (UNet2DConditionModel unet = new UNet2DConditionModel(UNET); CLIPTextModel text = new CLIPTextModel(TEXT);
             AutoencoderKL raw = new AutoencoderKL(vae(vaeLevels, 1.0))) {
            unet.init(torch.createCPUGenerator(11), DType.FP32);
            text.init(torch.createCPUGenerator(12), DType.FP32);
            raw.init(torch.createCPUGenerator(13), DType.FP32);
            try (NoGradGuard g = new NoGradGuard()) {
                Param w = raw.parameters().get("quant_conv.weight"), b = raw.parameters().get("quant_conv.bias");
                w.set(T.cat(List.of(w.get().narrow(0, 0, 4), torch.zeros_like(w.get().narrow(0, 4, 4))), 0).contiguous());
                b.set(T.cat(List.of(b.get().narrow(0, 0, 4), torch.full(new long[]{4}, T.s(-20.0), T.opts(torch.ScalarType.Float))), 0).contiguous());
                List<Tensor> imgs = new ArrayList<>();
                for (Path p : calibration) imgs.add(pixels(p));
                double std = raw.encode(T.cat(imgs, 0)).mean().std().item().toDouble();
                try (AutoencoderKL vae = new AutoencoderKL(vae(vaeLevels, 1.0 / std))) {
                    for (Map.Entry<String, Param> e : vae.parameters().entrySet()) e.getValue().set(raw.parameters().get(e.getKey()).get().clone());
                    ModelWriter.saveDiffusersFolder(dir, new ModelWriter.Components(Family.SD1, ClipTokenizer.bundled(), text, unet, vae,
                            SchedulerConfig.SD15), null);
                }
            }
        }
        return dir;
    }

    /** An image file as [1,3,H,W] in [-1, 1]. */
    static Tensor pixels(Path png) {
        try {
            BufferedImage img = ImageIO.read(png.toFile());
            int w = img.getWidth(), h = img.getHeight();
            float[] v = new float[3 * w * h];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    for (int c = 0; c < 3; c++) v[c * w * h + y * w + x] = ((rgb >> (16 - 8 * c)) & 255) / 127.5f - 1;
                }
            return T.fromFloats(v, 1, 3, h, w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code n} synthetic pairs as images/ + conditions/mask/ + captions.txt: the condition
     * is a shape's mask (white on black), the image the same shape red on blue. Returns the image files.
     */
    static List<Path> pairs(Path dir, int n, long seed) { return pairs(dir, n, seed, SIZE); }

    /** As {@link #pairs(Path, int, long)} at {@code size} pixels. */
    static List<Path> pairs(Path dir, int n, long seed, int size) {
        Random r = new Random(seed);
        List<Path> images = new ArrayList<>();
        StringBuilder captions = new StringBuilder();
        try {
            Files.createDirectories(dir.resolve("images"));
            Files.createDirectories(dir.resolve("conditions/mask"));
            for (int i = 0; i < n; i++) {
                String id = String.format("%04d", i);
                boolean circle = r.nextBoolean();
                int rad = size * (5 + r.nextInt(6)) / 32, cx = rad + r.nextInt(size - 2 * rad + 1), cy = rad + r.nextInt(size - 2 * rad + 1);
                BufferedImage cond = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                draw(cond, Color.BLACK, Color.WHITE, circle, cx, cy, rad);
                draw(img, new Color(30, 40, 170), new Color(220, 40, 40), circle, cx, cy, rad);
                ImageIO.write(cond, "png", dir.resolve("conditions/mask/" + id + ".png").toFile());
                Path p = dir.resolve("images/" + id + ".png");
                ImageIO.write(img, "png", p.toFile());
                images.add(p);
                captions.append(id).append('\t').append(CAPTION).append('\n');
            }
            Files.writeString(dir.resolve("captions.txt"), captions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    private static void draw(BufferedImage img, Color bg, Color fg, boolean circle, int cx, int cy, int rad) {
        Graphics2D g = img.createGraphics();
        g.setColor(bg);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(fg);
        if (circle) g.fillOval(cx - rad, cy - rad, 2 * rad, 2 * rad);
        else g.fillRect(cx - rad, cy - rad, 2 * rad, 2 * rad);
        g.dispose();
    }
}
