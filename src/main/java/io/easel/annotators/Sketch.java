package io.easel.annotators;

/**
 * Threshold-style annotators for drawings and photographs: scribble normalisation, binary
 * threshold (fixed or Otsu), invert and grayscale. All work on 8-bit values (16-bit inputs are
 * rounded to 8 bits, alpha is composited over white) and return three channels.
 */
public final class Sketch {
    private Sketch() {}

    /** Which side of a scribble is the background. */
    public enum Background {
        /** White background when most pixels are brighter than the threshold. */
        AUTO,
        /** Dark strokes on a light background: strokes are pixels whose darkest channel is below the threshold. */
        WHITE,
        /** Light strokes on a dark background: strokes are pixels whose brightest channel is above the threshold. */
        BLACK
    }

    /**
     * Normalises a user sketch to the scribble hint: white strokes on black, like ControlNet's
     * scribble demo ({@code result[np.min(img, axis=2) < 127] = 255}), with the background side
     * detected or given, and strokes optionally thickened.
     *
     * @param threshold 0..255 stroke threshold (ControlNet: 127)
     * @param thicken   dilation radius in pixels (a disk), 0 for none
     */
    public static Image scribble(Image image, int threshold, Background background, int thicken) {
        Image im = image.flattenAlpha();
        int w = im.width(), h = im.height(), n = w * h, cc = im.channels();
        int[] lo = new int[n], hi = new int[n];
        for (int p = 0; p < n; p++) {
            int mn = 255, mx = 0;
            for (int c = 0; c < cc; c++) {
                int v = Image.clamp8(im.data()[p * cc + c]);
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            lo[p] = mn;
            hi[p] = mx;
        }
        Background bg = background;
        if (bg == Background.AUTO) {
            int bright = 0;
            for (int p = 0; p < n; p++) if (lo[p] >= threshold) bright++;
            bg = bright * 2 >= n ? Background.WHITE : Background.BLACK;
        }
        boolean[] stroke = new boolean[n];
        for (int p = 0; p < n; p++) stroke[p] = bg == Background.WHITE ? lo[p] < threshold : hi[p] > threshold;
        return Filters.maskToRgb(Filters.dilate(stroke, w, h, thicken), w, h);
    }

    /**
     * Binary threshold of the 8-bit luma ({@code cv2.cvtColor(img, COLOR_RGB2GRAY)}): 255 where
     * luma is above the threshold, 0 elsewhere ({@code cv2.THRESH_BINARY}), or the reverse
     * ({@code THRESH_BINARY_INV}, what sd-webui-controlnet's first "binary" preprocessor gave,
     * dark strokes turning white) when {@code invert}.
     *
     * @param threshold 1..254, or 0 (or 255) for Otsu's threshold as OpenCV computes it
     */
    public static Image binary(Image image, int threshold, boolean invert) {
        int[] g = Filters.luma8(image);
        int t = threshold == 0 || threshold == 255 ? otsu(g) : threshold;
        boolean[] on = new boolean[g.length];
        for (int p = 0; p < g.length; p++) on[p] = (g[p] > t) != invert;
        return Filters.maskToRgb(on, image.width(), image.height());
    }

    /** OpenCV's {@code THRESH_OTSU} threshold of 8-bit values (maximum between-class variance; first maximum wins). */
    public static int otsu(int[] values) {
        int[] hist = new int[256];
        for (int v : values) hist[v]++;
        double scale = 1.0 / values.length, mu = 0;
        for (int i = 0; i < 256; i++) mu += i * (double) hist[i];
        mu *= scale;
        double mu1 = 0, q1 = 0, maxSigma = 0;
        int maxVal = 0;
        final double eps = 1.1920928955078125e-07; // FLT_EPSILON
        for (int i = 0; i < 256; i++) {
            double pi = hist[i] * scale;
            mu1 *= q1;
            q1 += pi;
            double q2 = 1.0 - q1;
            if (Math.min(q1, q2) < eps || Math.max(q1, q2) > 1.0 - eps) continue;
            mu1 = (mu1 + i * pi) / q1;
            double mu2 = (mu - q1 * mu1) / q2;
            double sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
            if (sigma > maxSigma) {
                maxSigma = sigma;
                maxVal = i;
            }
        }
        return maxVal;
    }

    /** {@code 255 - x} on every colour channel; alpha is kept. Exact on 8-bit values, so invert(invert(x)) == x. */
    public static Image invert(Image image) {
        float[] d = image.data().clone();
        int ch = image.channels(), cc = image.colorChannels();
        for (int i = 0; i < d.length; i++) {
            if (i % ch < cc) d[i] = 255f - d[i];
        }
        return new Image(image.width(), image.height(), ch, d);
    }

    /** OpenCV's 8-bit {@code RGB2GRAY} luma, repeated over three channels (CtrLoRA's grayscale condition). */
    public static Image grayscale(Image image) {
        int[] g = Filters.luma8(image);
        float[] d = new float[g.length * 3];
        for (int p = 0; p < g.length; p++) d[3 * p] = d[3 * p + 1] = d[3 * p + 2] = g[p];
        return new Image(image.width(), image.height(), 3, d);
    }
}
