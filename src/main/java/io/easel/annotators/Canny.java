package io.easel.annotators;

/**
 * Canny edge detection, bit-exact with OpenCV's {@code cv2.Canny(image, low, high,
 * L2gradient=l2)} at aperture 3 on an 8-bit image, which is what ControlNet's Canny annotator runs.
 *
 * <p>Steps as in OpenCV's {@code canny.cpp}: 3x3 Sobel derivatives with replicated borders; for
 * colour images, per pixel, the channel with the largest gradient magnitude (the first on ties);
 * magnitude {@code |dx| + |dy|}, or {@code dx^2 + dy^2} compared with squared thresholds for the
 * L2 gradient; non-maximum suppression along the gradient direction quantised with the
 * fixed-point tan(22.5 degrees) test (magnitudes outside the image count as 0); hysteresis:
 * pixels above {@code high} seed edges that grow 8-connected through pixels above {@code low}.
 *
 * <p>Input: gray or RGB; alpha is composited over white, and samples are rounded to 8 bits (a
 * 16-bit image is scaled to 8 bits first, as OpenCV requires {@code CV_8U}).
 */
public final class Canny {
    /** ControlNet's default thresholds. */
    public static final int DEFAULT_LOW = 100, DEFAULT_HIGH = 200;

    private static final int CANNY_SHIFT = 15;
    private static final int TG22 = (int) (0.4142135623730950488016887242097 * (1 << CANNY_SHIFT) + 0.5);

    private Canny() {}

    /**
     * Detects edges.
     *
     * @param image      gray or colour image (rounded to 8 bits)
     * @param low        lower hysteresis threshold; swapped with {@code high} when larger, as OpenCV does
     * @param high       upper hysteresis threshold
     * @param l2gradient use the L2 gradient magnitude instead of L1
     * @return a one-channel image, 255 on edges and 0 elsewhere
     */
    public static Image detect(Image image, double low, double high, boolean l2gradient) {
        if (!(low >= 0) || !(high >= 0)) {
            throw new IllegalArgumentException("canny thresholds must be non-negative, got " + low + ", " + high);
        }
        Image src = image.flattenAlpha();
        int w = src.width(), h = src.height(), cn = src.channels();
        int[] px = new int[src.data().length];
        for (int i = 0; i < px.length; i++) px[i] = Image.clamp8(src.data()[i]);

        if (low > high) { double t = low; low = high; high = t; }
        if (l2gradient) {
            low = Math.min(32767.0, low);
            high = Math.min(32767.0, high);
            if (low > 0) low *= low;
            if (high > 0) high *= high;
        }
        int lowI = (int) Math.floor(low), highI = (int) Math.floor(high);

        // 1. Sobel (aperture 3, BORDER_REPLICATE) per channel; keep the channel of largest magnitude.
        int[] dx = new int[w * h], dy = new int[w * h];
        // magnitudes padded by one zero pixel on every side
        int ms = w + 2;
        int[] mag = new int[ms * (h + 2)];
        for (int y = 0; y < h; y++) {
            int ym = Math.max(y - 1, 0) * w, y0 = y * w, yp = Math.min(y + 1, h - 1) * w;
            for (int x = 0; x < w; x++) {
                int xm = Math.max(x - 1, 0), xp = Math.min(x + 1, w - 1);
                int best = -1, bx = 0, by = 0;
                for (int c = 0; c < cn; c++) {
                    int a = px[(ym + xm) * cn + c], b = px[(ym + x) * cn + c], cc = px[(ym + xp) * cn + c];
                    int d = px[(y0 + xm) * cn + c], f = px[(y0 + xp) * cn + c];
                    int g = px[(yp + xm) * cn + c], hh = px[(yp + x) * cn + c], k = px[(yp + xp) * cn + c];
                    int gx = (cc - a) + 2 * (f - d) + (k - g);
                    int gy = (g - a) + 2 * (hh - b) + (k - cc);
                    int m = l2gradient ? gx * gx + gy * gy : Math.abs(gx) + Math.abs(gy);
                    if (m > best) { best = m; bx = gx; by = gy; }
                }
                dx[y0 + x] = bx;
                dy[y0 + x] = by;
                mag[(y + 1) * ms + x + 1] = best;
            }
        }

        // 2. Non-maximum suppression. map: 0 = may be an edge, 1 = not an edge, 2 = edge.
        byte[] map = new byte[ms * (h + 2)];
        java.util.Arrays.fill(map, (byte) 1);
        int[] stack = new int[Math.max(1024, w * h / 10)];
        int top = 0;
        for (int y = 0; y < h; y++) {
            int row = (y + 1) * ms + 1;
            for (int x = 0; x < w; x++) {
                int i = row + x;
                int m = mag[i];
                if (m <= lowI) continue;
                int xs = dx[y * w + x], ys = dy[y * w + x];
                int ax = Math.abs(xs);
                int ay = Math.abs(ys) << CANNY_SHIFT;
                int tg22x = ax * TG22;
                boolean max;
                if (ay < tg22x) {
                    max = m > mag[i - 1] && m >= mag[i + 1];
                } else {
                    int tg67x = tg22x + (ax << (CANNY_SHIFT + 1));
                    if (ay > tg67x) {
                        max = m > mag[i - ms] && m >= mag[i + ms];
                    } else {
                        int s = (xs ^ ys) < 0 ? -1 : 1;
                        max = m > mag[i - ms - s] && m > mag[i + ms + s];
                    }
                }
                if (!max) continue;
                if (m > highI) {
                    map[i] = 2;
                    if (top == stack.length) stack = java.util.Arrays.copyOf(stack, stack.length * 3 / 2);
                    stack[top++] = i;
                } else {
                    map[i] = 0;
                }
            }
        }

        // 3. Hysteresis: grow edges 8-connected through candidates.
        int[] nb = {-1, 1, -ms - 1, -ms, -ms + 1, ms - 1, ms, ms + 1};
        while (top > 0) {
            int i = stack[--top];
            for (int o : nb) {
                int j = i + o;
                if (map[j] == 0) {
                    map[j] = 2;
                    if (top == stack.length) stack = java.util.Arrays.copyOf(stack, stack.length * 3 / 2);
                    stack[top++] = j;
                }
            }
        }

        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (map[(y + 1) * ms + x + 1] == 2) out[y * w + x] = 255f;
            }
        }
        return new Image(w, h, 1, out);
    }

    /** Edges with ControlNet's default thresholds 100 / 200 and the L1 gradient. */
    public static Image detect(Image image) {
        return detect(image, DEFAULT_LOW, DEFAULT_HIGH, false);
    }

    /**
     * The conformance metric {@code edge_f1}: samples above 127 (in any channel) are edges in both
     * images; precision and recall over exact pixel positions; {@code F1 = 2PR / (P + R)}; 1.0 when
     * both images have no edges, 0.0 when only one has.
     *
     * @throws IllegalArgumentException when the sizes differ
     */
    public static double edgeF1(Image expected, Image actual) {
        if (expected.width() != actual.width() || expected.height() != actual.height()) {
            throw new IllegalArgumentException("edge_f1 needs images of one size, got "
                    + expected.width() + "x" + expected.height() + " and " + actual.width() + "x" + actual.height());
        }
        long tp = 0, ne = 0, na = 0;
        for (int y = 0; y < expected.height(); y++) {
            for (int x = 0; x < expected.width(); x++) {
                boolean e = isEdge(expected, x, y), a = isEdge(actual, x, y);
                if (e) ne++;
                if (a) na++;
                if (e && a) tp++;
            }
        }
        if (ne == 0 && na == 0) return 1.0;
        if (tp == 0) return 0.0;
        double p = (double) tp / na, r = (double) tp / ne;
        return 2 * p * r / (p + r);
    }

    private static boolean isEdge(Image im, int x, int y) {
        for (int c = 0; c < im.colorChannels(); c++) {
            if (im.get(x, y, c) > 127) return true;
        }
        return false;
    }
}
