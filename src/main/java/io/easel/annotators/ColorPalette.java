package io.easel.annotators;

import java.util.Random;

/**
 * CtrLoRA's colour conditions ({@code annotator/palette} and {@code annotator/pixel} of
 * xyfJASON/ctrlora): a coarse colour layout, and pixel art.
 */
public final class ColorPalette {
    /** CtrLoRA's palette cell: 64x downsampling. */
    public static final int DEFAULT_CELL = 64;

    private ColorPalette() {}

    /**
     * CtrLoRA's {@code PaletteDetector}: bicubic downsampling to {@code (W / cell) x (H / cell)}
     * (at least 1x1) and nearest-neighbour upsampling back, giving flat colour blocks.
     */
    public static Image palette(Image image, int cell) {
        if (cell < 1) throw new IllegalArgumentException("palette cell must be positive, got " + cell);
        Image im = image.flattenAlpha().quantize();
        int w = Math.max(1, im.width() / cell), h = Math.max(1, im.height() / cell);
        Image small = Resize.resize(im, w, h, Interpolation.CUBIC).quantize();
        return Resize.resize(small, im.width(), im.height(), Interpolation.NEAREST);
    }

    /**
     * CtrLoRA's {@code Pixelater}: downscale to {@code max(H / scale, minSize) x max(W / scale,
     * minSize)}, reduce to a palette of {@code colors} k-means centres (each pixel takes the nearest
     * centre, rounded to 8 bits), and enlarge back with nearest neighbour.
     *
     * @param scale   downscale factor
     * @param colors  palette size; 0 keeps the colours (no quantisation)
     * @param minSize smallest side of the pixel grid
     * @param down    downscaling kernel: CtrLoRA's class default is {@link Interpolation#NEAREST},
     *                its demo passes {@link Interpolation#LANCZOS4}
     * @param seed    seed of the k-means initialisation (scikit-learn's is random)
     */
    public static Image pixelate(Image image, int scale, int colors, int minSize, Interpolation down, long seed) {
        if (scale < 1) throw new IllegalArgumentException("pixel scale must be positive, got " + scale);
        Image im = image.toRgb().quantize();
        int w = Math.max(im.width() / scale, minSize), h = Math.max(im.height() / scale, minSize);
        Image small = Resize.resize(im, w, h, down).quantize();
        if (colors > 0) {
            int[][] pal = kmeansPalette(small.data(), colors, new Random(seed));
            float[] d = small.data();
            for (int p = 0; p < w * h; p++) {
                int[] c = pal[nearest(pal, d[3 * p], d[3 * p + 1], d[3 * p + 2])];
                d[3 * p] = c[0];
                d[3 * p + 1] = c[1];
                d[3 * p + 2] = c[2];
            }
        }
        return Resize.resize(small, im.width(), im.height(), Interpolation.NEAREST);
    }

    private static int nearest(int[][] pal, float r, float g, float b) {
        int best = 0;
        float bd = Float.POSITIVE_INFINITY;
        for (int i = 0; i < pal.length; i++) {
            float dr = r - pal[i][0], dg = g - pal[i][1], db = b - pal[i][2];
            float dd = dr * dr + dg * dg + db * db;
            if (dd < bd) { bd = dd; best = i; }
        }
        return best;
    }

    /**
     * k-means over RGB pixels (k-means++ seeding, Lloyd iterations until stable or 300 rounds),
     * centres rounded and clamped to 8 bits. Fewer centres come back when the image has fewer
     * distinct colours than {@code k}.
     */
    static int[][] kmeansPalette(float[] rgb, int k, Random rng) {
        int n = rgb.length / 3;
        java.util.LinkedHashSet<Integer> distinct = new java.util.LinkedHashSet<>();
        for (int p = 0; p < n && distinct.size() <= k; p++) {
            distinct.add(((int) rgb[3 * p] << 16) | ((int) rgb[3 * p + 1] << 8) | (int) rgb[3 * p + 2]);
        }
        if (distinct.size() <= k) {
            return distinct.stream().map(v -> new int[]{v >> 16 & 255, v >> 8 & 255, v & 255}).toArray(int[][]::new);
        }
        double[][] cen = new double[k][3];
        double[] d2 = new double[n];
        int first = rng.nextInt(n);
        cen[0] = new double[]{rgb[3 * first], rgb[3 * first + 1], rgb[3 * first + 2]};
        java.util.Arrays.fill(d2, Double.POSITIVE_INFINITY);
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (int p = 0; p < n; p++) {
                double dd = dist2(rgb, p, cen[c - 1]);
                if (dd < d2[p]) d2[p] = dd;
                total += d2[p];
            }
            double r = rng.nextDouble() * total, acc = 0;
            int pick = n - 1;
            for (int p = 0; p < n; p++) {
                acc += d2[p];
                if (acc > r) { pick = p; break; }
            }
            cen[c] = new double[]{rgb[3 * pick], rgb[3 * pick + 1], rgb[3 * pick + 2]};
        }
        int[] assign = new int[n];
        java.util.Arrays.fill(assign, -1);
        for (int iter = 0; iter < 300; iter++) {
            boolean changed = false;
            for (int p = 0; p < n; p++) {
                int best = 0;
                double bd = Double.POSITIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double dd = dist2(rgb, p, cen[c]);
                    if (dd < bd) { bd = dd; best = c; }
                }
                if (assign[p] != best) { assign[p] = best; changed = true; }
            }
            if (!changed) break;
            double[][] sum = new double[k][3];
            int[] cnt = new int[k];
            for (int p = 0; p < n; p++) {
                int c = assign[p];
                cnt[c]++;
                for (int j = 0; j < 3; j++) sum[c][j] += rgb[3 * p + j];
            }
            for (int c = 0; c < k; c++) {
                if (cnt[c] > 0) for (int j = 0; j < 3; j++) cen[c][j] = sum[c][j] / cnt[c];
            }
        }
        int[][] pal = new int[k][3];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < 3; j++) pal[c][j] = (int) Math.max(0, Math.min(255, Math.rint(cen[c][j])));
        }
        return pal;
    }

    private static double dist2(float[] rgb, int p, double[] c) {
        double a = rgb[3 * p] - c[0], b = rgb[3 * p + 1] - c[1], d = rgb[3 * p + 2] - c[2];
        return a * a + b * b + d * d;
    }
}
