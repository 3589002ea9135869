package io.easel.annotators;

import java.util.Arrays;

/**
 * A raster image held as interleaved float samples in 8-bit units: 0 is black, 255 is white,
 * row-major, {@code data[(y * width + x) * channels + c]}.
 *
 * <p>Floats rather than bytes so that 16-bit inputs keep their precision (a 16-bit sample
 * {@code u} is stored as {@code u / 257}) and so that ControlNet's inpaint hint can mark masked
 * pixels with {@code -255} (hint value {@code -1}). The ControlNet hint is {@code data / 255}:
 * see {@link #hint()}.
 *
 * <p>Channels: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA). Annotators that take a photograph
 * first call {@link #flattenAlpha()}, which composites alpha over white exactly as ControlNet's
 * {@code HWC3} does, and most return three channels (ControlNet feeds every hint as RGB).
 *
 * @param width    width in pixels, at least 1
 * @param height   height in pixels, at least 1
 * @param channels 1 to 4
 * @param data     {@code width * height * channels} samples
 */
public record Image(int width, int height, int channels, float[] data) {

    /** Validates the dimensions against the sample array. */
    public Image {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (channels < 1 || channels > 4) {
            throw new IllegalArgumentException("image channels must be 1 to 4, got " + channels);
        }
        if (data == null || data.length != (long) width * height * channels) {
            throw new IllegalArgumentException("image data holds " + (data == null ? "no" : data.length)
                    + " samples, " + width + "x" + height + "x" + channels + " needs " + (long) width * height * channels);
        }
    }

    /** A black image (all samples 0). */
    public static Image blank(int width, int height, int channels) {
        return new Image(width, height, channels, new float[width * height * channels]);
    }

    /** An image from unsigned 8-bit samples, interleaved as in {@link Image}. */
    public static Image ofBytes(int width, int height, int channels, byte[] samples) {
        float[] d = new float[samples.length];
        for (int i = 0; i < d.length; i++) d[i] = samples[i] & 0xff;
        return new Image(width, height, channels, d);
    }

    /** Sample at pixel (x, y), channel c. */
    public float get(int x, int y, int c) {
        return data[(y * width + x) * channels + c];
    }

    /** Sets the sample at pixel (x, y), channel c. */
    public void set(int x, int y, int c, float v) {
        data[(y * width + x) * channels + c] = v;
    }

    /** Whether the last channel is alpha (2 or 4 channels). */
    public boolean hasAlpha() {
        return channels == 2 || channels == 4;
    }

    /** Number of colour channels, alpha excluded. */
    public int colorChannels() {
        return hasAlpha() ? channels - 1 : channels;
    }

    /** Samples rounded to the nearest integer and clamped to [0, 255], as unsigned bytes. */
    public byte[] toBytes() {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) clamp8(data[i]);
        return b;
    }

    /** A copy rounded to the nearest integer and clamped to [0, 255] (what a uint8 array holds). */
    public Image quantize() {
        float[] d = new float[data.length];
        for (int i = 0; i < d.length; i++) d[i] = clamp8(data[i]);
        return new Image(width, height, channels, d);
    }

    /** A deep copy. */
    public Image copy() {
        return new Image(width, height, channels, data.clone());
    }

    /**
     * Removes alpha by compositing over white ({@code c * a + 255 * (1 - a)}), as ControlNet's
     * {@code HWC3} does; images without alpha are returned as they are.
     */
    public Image flattenAlpha() {
        if (!hasAlpha()) return this;
        int cc = channels - 1;
        float[] d = new float[width * height * cc];
        for (int p = 0, n = width * height; p < n; p++) {
            float a = data[p * channels + cc] / 255f;
            for (int c = 0; c < cc; c++) {
                d[p * cc + c] = data[p * channels + c] * a + 255f * (1f - a);
            }
        }
        return new Image(width, height, cc, d);
    }

    /** Three colour channels: gray is repeated, alpha is composited over white. */
    public Image toRgb() {
        Image im = flattenAlpha();
        if (im.channels == 3) return im;
        float[] d = new float[width * height * 3];
        for (int p = 0, n = width * height; p < n; p++) {
            d[3 * p] = d[3 * p + 1] = d[3 * p + 2] = im.data[p];
        }
        return new Image(width, height, 3, d);
    }

    /** One channel of this image. */
    public Image channel(int c) {
        if (c < 0 || c >= channels) {
            throw new IllegalArgumentException("channel " + c + " of a " + channels + "-channel image");
        }
        float[] d = new float[width * height];
        for (int p = 0; p < d.length; p++) d[p] = data[p * channels + c];
        return new Image(width, height, 1, d);
    }

    /** The ControlNet hint values, {@code data / 255}, interleaved as {@link #data()}. */
    public float[] hint() {
        float[] h = new float[data.length];
        for (int i = 0; i < h.length; i++) h[i] = data[i] / 255f;
        return h;
    }

    static int clamp8(float v) {
        int r = Math.round(v);
        return r < 0 ? 0 : Math.min(r, 255);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image im && im.width == width && im.height == height
                && im.channels == channels && Arrays.equals(im.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Image[" + width + "x" + height + "x" + channels + "]";
    }
}
