package io.easel.annotators;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Straight line segments, drawn M-LSD style (1-pixel white lines on black, as ControlNet's
 * {@code annotator/mlsd} draws its detections), found without learned weights: Canny edges,
 * then the progressive probabilistic Hough transform of OpenCV's {@code cv2.HoughLinesP}
 * (rho 1 pixel, theta 1 degree). Points are visited in a seeded random order, so results are
 * deterministic per seed (not OpenCV's generator).
 *
 * <p>It is a stand-in for M-LSD, not M-LSD: it finds every straight edge, texture included;
 * raise {@code threshold} and {@code minLength} for cleaner results.
 */
public final class StraightLines {
    private StraightLines() {}

    /**
     * A segment between two pixel end points.
     *
     * @param x1 first end x
     * @param y1 first end y
     * @param x2 second end x
     * @param y2 second end y
     */
    public record Segment(int x1, int y1, int x2, int y2) {}

    /**
     * Detects and draws line segments.
     *
     * @param low       Canny low threshold
     * @param high      Canny high threshold
     * @param threshold Hough accumulator votes a line needs
     * @param minLength shortest segment kept, in pixels (along x or y)
     * @param maxGap    largest gap bridged along a segment, in pixels
     * @param thickness line thickness of the drawing
     * @param seed      order of the random point visits
     */
    public static Image detect(Image image, double low, double high, int threshold, int minLength, int maxGap,
                               int thickness, long seed) {
        Image edges = Canny.detect(image, low, high, false);
        List<Segment> segs = houghP(edges, threshold, minLength, maxGap, seed);
        Canvas c = new Canvas(image.width(), image.height());
        int[] white = {255, 255, 255};
        for (Segment s : segs) c.line(s.x1(), s.y1(), s.x2(), s.y2(), white, thickness);
        return c.toImage();
    }

    /**
     * OpenCV's progressive probabilistic Hough transform on a binary image (non-zero first
     * channel is foreground), rho 1 and theta 1 degree.
     */
    public static List<Segment> houghP(Image binary, int threshold, int lineLength, int lineGap, long seed) {
        int width = binary.width(), height = binary.height();
        int numangle = 180;
        int numrho = (int) Math.rint(((width + height) * 2 + 1) / 1.0);
        int[] accum = new int[numangle * numrho];
        float[] ttab = new float[numangle * 2];
        double theta = Math.PI / 180;
        for (int n = 0; n < numangle; n++) {
            ttab[2 * n] = (float) Math.cos(n * theta);
            ttab[2 * n + 1] = (float) Math.sin(n * theta);
        }
        byte[] mask = new byte[width * height];
        int[] nz = new int[width * height];
        int count = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (binary.get(x, y, 0) != 0) {
                    mask[y * width + x] = 1;
                    nz[count++] = y * width + x;
                }
            }
        }
        final int shift = 16;
        Random rng = new Random(seed);
        List<Segment> lines = new ArrayList<>();
        for (; count > 0; count--) {
            int idx = rng.nextInt(count);
            int maxVal = threshold - 1, maxN = 0;
            int pt = nz[idx];
            nz[idx] = nz[count - 1];
            int i = pt / width, j = pt % width;
            if (mask[pt] == 0) continue;
            for (int n = 0; n < numangle; n++) {
                int r = (int) Math.rint(j * ttab[2 * n] + i * ttab[2 * n + 1]) + (numrho - 1) / 2;
                int val = ++accum[n * numrho + r];
                if (maxVal < val) { maxVal = val; maxN = n; }
            }
            if (maxVal < threshold) continue;

            // walk from the point both ways along the line, in fixed point
            float a = -ttab[2 * maxN + 1], b = ttab[2 * maxN];
            int x0 = j, y0 = i, dx0, dy0;
            boolean xflag;
            if (Math.abs(a) > Math.abs(b)) {
                xflag = true;
                dx0 = a > 0 ? 1 : -1;
                dy0 = (int) Math.rint(b * (1 << shift) / Math.abs(a));
                y0 = (y0 << shift) + (1 << (shift - 1));
            } else {
                xflag = false;
                dy0 = b > 0 ? 1 : -1;
                dx0 = (int) Math.rint(a * (1 << shift) / Math.abs(b));
                x0 = (x0 << shift) + (1 << (shift - 1));
            }
            int[][] end = new int[2][2];
            for (int k = 0; k < 2; k++) {
                int gap = 0, x = x0, y = y0, dx = k > 0 ? -dx0 : dx0, dy = k > 0 ? -dy0 : dy0;
                for (; ; x += dx, y += dy) {
                    int j1 = xflag ? x : x >> shift, i1 = xflag ? y >> shift : y;
                    if (j1 < 0 || j1 >= width || i1 < 0 || i1 >= height) break;
                    if (mask[i1 * width + j1] != 0) {
                        gap = 0;
                        end[k][0] = j1;
                        end[k][1] = i1;
                    } else if (++gap > lineGap) {
                        break;
                    }
                }
            }
            boolean good = Math.abs(end[1][0] - end[0][0]) >= lineLength || Math.abs(end[1][1] - end[0][1]) >= lineLength;
            for (int k = 0; k < 2; k++) {
                int x = x0, y = y0, dx = k > 0 ? -dx0 : dx0, dy = k > 0 ? -dy0 : dy0;
                for (; ; x += dx, y += dy) {
                    int j1 = xflag ? x : x >> shift, i1 = xflag ? y >> shift : y;
                    int m = i1 * width + j1;
                    if (mask[m] != 0) {
                        if (good) {
                            for (int n = 0; n < numangle; n++) {
                                int r = (int) Math.rint(j1 * ttab[2 * n] + i1 * ttab[2 * n + 1]) + (numrho - 1) / 2;
                                accum[n * numrho + r]--;
                            }
                        }
                        mask[m] = 0;
                    }
                    if (i1 == end[k][1] && j1 == end[k][0]) break;
                }
            }
            if (good) lines.add(new Segment(end[0][0], end[0][1], end[1][0], end[1][1]));
        }
        return lines;
    }
}
