package io.easel.pipeline;

/**
 * Output size and count.
 *
 * @param width  pixels, a multiple of 8
 * @param height pixels, a multiple of 8
 * @param batch  images per run; they share one noise draw of shape [batch,4,h,w], as diffusers draws it
 *               (h, w: the pixel size over the VAE's downsampling factor, 8 for Stable Diffusion)
 */
public record Canvas(int width, int height, int batch) {
    public static final int MAX_SIDE = 4096;

    public Canvas {
        check("--width", width);
        check("--height", height);
        if (batch < 1 || batch > 64) throw new IllegalArgumentException("--batch must be within 1..64, got " + batch);
    }

    private static void check(String flag, int v) {
        if (v < 8 || v > MAX_SIDE) throw new IllegalArgumentException(flag + " must be within 8.." + MAX_SIDE + ", got " + v);
        if (v % 8 != 0) throw new IllegalArgumentException(flag + " must be a multiple of 8, got " + v);
    }

    /** [batch, channels, height / factor, width / factor] for a VAE that downsamples by {@code factor}. */
    public long[] latentShape(int channels, int factor) {
        if (width % factor != 0 || height % factor != 0)
            throw new IllegalArgumentException("the size " + width + "x" + height + " is not a multiple of the VAE factor " + factor);
        return new long[]{batch, channels, height / factor, width / factor};
    }
}
