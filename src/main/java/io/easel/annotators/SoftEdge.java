package io.easel.annotators;

import java.util.Arrays;

/**
 * {@code softedge_dog}: soft edges from a difference of Gaussians, a weights-free stand-in for
 * the HED / PiDiNet soft-edge annotators (it is not HED: no learned boundaries, and texture
 * edges stay). Output is white soft edges on black, like HED's.
 *
 * <p>Per colour channel {@code |G(sigma) - G(k * sigma)|} (Gaussian blurs with OpenCV's float
 * kernel sizes and reflect-101 borders), the largest over channels, divided by its 99th
 * percentile so the result does not depend on image contrast, times {@code gain}, clamped to
 * [0, 1] and scaled to 0..255. With the defaults (a nearly sharp image minus a sigma-3 blur)
 * a step edge gives one soft band centred on it, about as wide as HED's lines; closer sigmas give a
 * band-pass with a dark centre line (double edges).
 */
public final class SoftEdge {
    /** Default finer sigma and sigma ratio: {@code |G(0.5) - G(3)|}. */
    public static final double DEFAULT_SIGMA = 0.5, DEFAULT_K = 6.0;

    private SoftEdge() {}

    /**
     * Computes soft edges.
     *
     * @param sigma the finer Gaussian's sigma in pixels
     * @param k     ratio of the coarser sigma to the finer, above 1
     * @param gain  brightness multiplier after normalisation
     */
    public static Image dog(Image image, double sigma, double k, double gain) {
        Image im = image.flattenAlpha();
        Image g1 = Filters.gaussianBlur(im, sigma, false), g2 = Filters.gaussianBlur(im, sigma * k, false);
        int n = im.width() * im.height(), cc = im.channels();
        float[] e = new float[n];
        for (int p = 0; p < n; p++) {
            float m = 0;
            for (int c = 0; c < cc; c++) m = Math.max(m, Math.abs(g1.data()[p * cc + c] - g2.data()[p * cc + c]));
            e[p] = m;
        }
        float[] sorted = e.clone();
        Arrays.sort(sorted);
        float ref = sorted[Math.min(n - 1, (int) Math.floor(0.99 * (n - 1)))];
        float[] out = new float[n * 3];
        if (ref > 0) {
            for (int p = 0; p < n; p++) {
                float v = (float) Math.min(1.0, gain * e[p] / ref);
                out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = Math.round(v * 255f);
            }
        }
        return new Image(im.width(), im.height(), 3, out);
    }
}
