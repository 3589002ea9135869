package io.easel.train.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/** Reading training images (PNG, JPEG, BMP, GIF through ImageIO) with one-line errors naming the file. */
public final class ImageFiles {
    private ImageFiles() {}

    /** Width and height from the file's header, without decoding the pixels. */
    public static int[] size(Path p) {
        requireFile(p);
        try (ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
            Iterator<ImageReader> it = in == null ? null : ImageIO.getImageReaders(in);
            if (it == null || !it.hasNext()) throw new IllegalArgumentException(p + ": not an image ImageIO can read (PNG, JPEG, BMP or GIF)");
            ImageReader r = it.next();
            try {
                r.setInput(in);
                return new int[]{r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException ia && ia.getMessage() != null && ia.getMessage().startsWith(p.toString())) throw ia;
            throw new IllegalArgumentException(p + ": corrupt image (" + e.getMessage() + ")", e);
        }
    }

    /** Decodes the whole image (so truncated or corrupt data is found) as RGB planes in [0, 1]. */
    public static Resize.Planes readRgb(Path p) {
        requireFile(p);
        BufferedImage img;
        try {
            img = ImageIO.read(p.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(p + ": corrupt image (" + e.getMessage() + ")", e);
        }
        if (img == null) throw new IllegalArgumentException(p + ": not an image ImageIO can read (PNG, JPEG, BMP or GIF)");
        int w = img.getWidth(), h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[][] planes = new float[3][w * h];
        for (int i = 0; i < argb.length; i++) {
            int v = argb[i];
            planes[0][i] = ((v >> 16) & 0xff) / 255f;
            planes[1][i] = ((v >> 8) & 0xff) / 255f;
            planes[2][i] = (v & 0xff) / 255f;
        }
        return new Resize.Planes(w, h, planes);
    }

    private static void requireFile(Path p) {
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException(p + ": no such image file");
    }
}
