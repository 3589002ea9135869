package io.easel.annotators;

import java.util.Random;

/**
 * ControlNet v1.1 content shuffle ({@code annotator/shuffle ContentShuffleDetector}): the image
 * is resampled through a random, smooth flow field, scrambling layout while keeping colours and
 * textures.
 *
 * <p>Each flow coordinate is {@code make_noise_disk}: uniform noise on a coarse
 * {@code (H/f + 2) x (W/f + 2)} grid, bicubically enlarged to {@code (H + 2f) x (W + 2f)}, the
 * centre {@code H x W} cropped and stretched to [0, 1], then scaled to {@code [0, W-1]} (x) and
 * {@code [0, H-1]} (y); the image is sampled bilinearly there ({@code cv2.remap}). The noise comes
 * from {@link java.util.Random} with the given seed, so results are deterministic per seed but not
 * the same numbers as numpy's generator.
 */
public final class Shuffle {
    /** ControlNet's default flow grid cell, {@code f = 256}. */
    public static final int DEFAULT_F = 256;

    private Shuffle() {}

    /** Shuffles with a flow grid of cell {@code f} pixels and the given seed. */
    public static Image shuffle(Image image, long seed, int f) {
        if (f < 1) throw new IllegalArgumentException("shuffle cell f must be positive, got " + f);
        Image im = image.flattenAlpha();
        int w = im.width(), h = im.height();
        Random rng = new Random(seed);
        float[] fx = noiseDisk(h, w, f, rng), fy = noiseDisk(h, w, f, rng);
        int ch = im.channels();
        float[] s = im.data(), out = new float[w * h * ch];
        for (int p = 0; p < w * h; p++) {
            // cv2.remap's INTER_LINEAR works on a 1/32 pixel grid
            int qx = Math.round(fx[p] * (w - 1) * 32f), qy = Math.round(fy[p] * (h - 1) * 32f);
            int x0 = qx >> 5, y0 = qy >> 5;
            float ax = (qx & 31) / 32f, ay = (qy & 31) / 32f;
            for (int c = 0; c < ch; c++) {
                float v00 = sample(s, w, h, ch, x0, y0, c), v10 = sample(s, w, h, ch, x0 + 1, y0, c);
                float v01 = sample(s, w, h, ch, x0, y0 + 1, c), v11 = sample(s, w, h, ch, x0 + 1, y0 + 1, c);
                float v = (v00 * (1 - ax) + v10 * ax) * (1 - ay) + (v01 * (1 - ax) + v11 * ax) * ay;
                out[p * ch + c] = Image.clamp8(v);
            }
        }
        return new Image(w, h, ch, out);
    }

    /** BORDER_CONSTANT 0 outside the image, as {@code cv2.remap} by default. */
    private static float sample(float[] s, int w, int h, int ch, int x, int y, int c) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0f : s[(y * w + x) * ch + c];
    }

    /** ControlNet's {@code make_noise_disk(H, W, 1, F)}: smooth noise in [0, 1]. */
    static float[] noiseDisk(int h, int w, int f, Random rng) {
        int gh = h / f + 2, gw = w / f + 2;
        float[] g = new float[gh * gw];
        for (int i = 0; i < g.length; i++) g[i] = (float) rng.nextDouble();
        Image big = Resize.resize(new Image(gw, gh, 1, g), w + 2 * f, h + 2 * f, Interpolation.CUBIC);
        float[] out = new float[w * h];
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = big.get(x + f, y + f, 0);
                out[y * w + x] = v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        for (int i = 0; i < out.length; i++) out[i] = max > min ? (out[i] - min) / (max - min) : 0f;
        return out;
    }
}
