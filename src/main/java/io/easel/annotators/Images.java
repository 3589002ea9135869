package io.easel.annotators;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reading and writing {@link Image}s and label maps through {@code javax.imageio} (PNG, JPEG, BMP,
 * GIF). Errors name the file.
 *
 * <p>Reading keeps what is stored: gray, gray + alpha, RGB or RGBA. Samples of any bit depth are
 * scaled to 8-bit units, so a 16-bit sample {@code u} becomes {@code u / 257} with its precision
 * kept; palette images are expanded to RGB(A).
 */
public final class Images {
    private Images() {}

    /**
     * Reads an image file.
     *
     * @throws IllegalArgumentException when the file is missing or is not an image ImageIO can read
     * @throws UncheckedIOException     on a read error
     */
    public static Image read(Path path) {
        return fromBuffered(readBuffered(path));
    }

    /**
     * Converts a {@link BufferedImage} to an {@link Image}, keeping gray/RGB and alpha as stored
     * and scaling samples of any bit depth to 8-bit units.
     */
    public static Image fromBuffered(BufferedImage bi) {
        int w = bi.getWidth(), h = bi.getHeight();
        if (bi.getColorModel() instanceof IndexColorModel icm) {
            int ch = icm.hasAlpha() ? 4 : 3;
            int[] argb = bi.getRGB(0, 0, w, h, null, 0, w);
            float[] d = new float[w * h * ch];
            for (int p = 0; p < argb.length; p++) {
                int v = argb[p];
                d[p * ch] = (v >>> 16) & 0xff;
                d[p * ch + 1] = (v >>> 8) & 0xff;
                d[p * ch + 2] = v & 0xff;
                if (ch == 4) d[p * ch + 3] = v >>> 24;
            }
            return new Image(w, h, ch, d);
        }
        Raster r = bi.getRaster();
        int bands = r.getNumBands();
        if (bands < 1 || bands > 4) {
            throw new IllegalArgumentException("unsupported image with " + bands + " bands");
        }
        int[] px = r.getPixels(0, 0, w, h, (int[]) null);
        float[] d = new float[px.length];
        for (int b = 0; b < bands; b++) {
            int bits = bi.getColorModel().getComponentSize(b);
            float scale = bits == 8 ? 1f : 255f / ((1L << bits) - 1);
            for (int i = b; i < d.length; i += bands) d[i] = bits == 8 ? px[i] : px[i] * scale;
        }
        return new Image(w, h, bands, d);
    }

    /**
     * Reads a label map: one class index per pixel, the raw stored value of an 8- or 16-bit gray
     * or palette PNG (for RGB files, the red channel).
     *
     * @throws IllegalArgumentException when the file is missing or unreadable
     */
    public static LabelMap readLabels(Path path) {
        BufferedImage bi = readBuffered(path);
        Raster r = bi.getRaster();
        int w = bi.getWidth(), h = bi.getHeight();
        int[] labels = r.getSamples(0, 0, w, h, 0, (int[]) null);
        return new LabelMap(w, h, labels);
    }

    /**
     * Writes a PNG: rounded and clamped to 8 bits; 1 channel as gray, 3 as RGB, 2 and 4 with alpha.
     * Pixels with a negative sample (the inpaint hint's masked marker, -255) are written fully
     * transparent, in an RGBA file, so the mask survives the round trip.
     *
     * @throws UncheckedIOException naming the file on a write error
     */
    public static void write(Image image, Path path) {
        BufferedImage bi = toBuffered(image);
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (!ImageIO.write(bi, "png", path.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write image " + path + ": " + e.getMessage(), e);
        }
    }

    /** Converts to an 8-bit {@link BufferedImage} as {@link #write} stores it. */
    public static BufferedImage toBuffered(Image image) {
        int w = image.width(), h = image.height(), ch = image.channels();
        boolean masked = false;
        for (float v : image.data()) {
            if (v < 0) { masked = true; break; }
        }
        if (masked || ch == 2 || ch == 4) {
            int cc = image.colorChannels();
            BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
            WritableRaster r = bi.getRaster();
            int[] px = new int[w * h * 4];
            float[] d = image.data();
            for (int p = 0, n = w * h; p < n; p++) {
                boolean hole = false;
                for (int c = 0; c < ch; c++) hole |= d[p * ch + c] < 0;
                for (int c = 0; c < 3; c++) {
                    px[p * 4 + c] = hole ? 0 : Image.clamp8(d[p * ch + (cc == 1 ? 0 : c)]);
                }
                px[p * 4 + 3] = hole ? 0 : image.hasAlpha() ? Image.clamp8(d[p * ch + ch - 1]) : 255;
            }
            r.setPixels(0, 0, w, h, px);
            return bi;
        }
        BufferedImage bi = new BufferedImage(w, h, ch == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        byte[] b = image.toBytes();
        int[] px = new int[b.length];
        for (int i = 0; i < b.length; i++) px[i] = b[i] & 0xff;
        bi.getRaster().setPixels(0, 0, w, h, px);
        return bi;
    }

    private static BufferedImage readBuffered(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("image file not found: " + path);
        }
        BufferedImage bi;
        try {
            bi = ImageIO.read(path.toFile());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("image file not found: " + path, e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read image " + path + ": " + e.getMessage(), e);
        }
        if (bi == null) {
            throw new IllegalArgumentException("not an image ImageIO can read (PNG, JPEG, BMP, GIF): " + path);
        }
        return bi;
    }
}
