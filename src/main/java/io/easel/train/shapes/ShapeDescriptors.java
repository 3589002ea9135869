package io.easel.train.shapes;

import java.util.Arrays;

/**
 * Shape descriptors of one pixel region (the stick-figure test of {@link ShapeTemplates} reads
 * its compactness).
 *
 * @param area      pixels in the region
 * @param bbox      its bounding box
 * @param centre    centroid (mean of pixel centres)
 * @param fill      area over bounding-box area
 * @param solidity  area over the area of the convex hull of the pixels' corners
 * @param holes     number of enclosed background components (4-connected)
 * @param holeArea  pixels in the largest hole
 * @param perimeter pixel edges between the region and the rest (hole borders included)
 */
public record ShapeDescriptors(int area, Box bbox, Point centre, double fill, double solidity, int holes, int holeArea,
                               int perimeter) {

    /** The inclusive bounding box and the pixel sums of a region (indices {@code y * width + x}). */
    record Bounds(int x0, int y0, int x1, int y1, long sumX, long sumY) {
        static Bounds of(int[] mask, int width) {
            int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
            long sx = 0, sy = 0;
            for (int p : mask) {
                int x = p % width, y = p / width;
                x0 = Math.min(x0, x);
                y0 = Math.min(y0, y);
                x1 = Math.max(x1, x);
                y1 = Math.max(y1, y);
                sx += x;
                sy += y;
            }
            return new Bounds(x0, y0, x1, y1, sx, sy);
        }
    }

    /** Descriptors of the pixels {@code mask} (indices {@code y * width + x}, any order). */
    public static ShapeDescriptors of(int[] mask, int width, int height) {
        if (mask.length == 0) throw new IllegalArgumentException("empty region");
        Bounds b = Bounds.of(mask, width);
        int x0 = b.x0(), y0 = b.y0(), x1 = b.x1(), y1 = b.y1();
        long sx = b.sumX(), sy = b.sumY();
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        // grid padded by one pixel, so the outside is connected around the region
        int gw = bw + 2, gh = bh + 2;
        byte[] g = new byte[gw * gh];
        int[] rowMin = new int[bh], rowMax = new int[bh];
        Arrays.fill(rowMin, Integer.MAX_VALUE);
        Arrays.fill(rowMax, -1);
        for (int p : mask) {
            int x = p % width - x0, y = p / width - y0;
            g[(y + 1) * gw + x + 1] = 1;
            rowMin[y] = Math.min(rowMin[y], x);
            rowMax[y] = Math.max(rowMax[y], x);
        }
        // 1. holes: background not reachable from the padding, 4-connected
        int[] stack = new int[gw * gh];
        int top = 0;
        g[0] = 2;
        stack[top++] = 0;
        while (top > 0) {
            int i = stack[--top];
            int x = i % gw, y = i / gw;
            if (x > 0 && g[i - 1] == 0) { g[i - 1] = 2; stack[top++] = i - 1; }
            if (x < gw - 1 && g[i + 1] == 0) { g[i + 1] = 2; stack[top++] = i + 1; }
            if (y > 0 && g[i - gw] == 0) { g[i - gw] = 2; stack[top++] = i - gw; }
            if (y < gh - 1 && g[i + gw] == 0) { g[i + gw] = 2; stack[top++] = i + gw; }
        }
        int holes = 0, largest = 0;
        for (int s = 0; s < g.length; s++) {
            if (g[s] != 0) continue;
            holes++;
            int n = 0;
            g[s] = 3;
            stack[top++] = s;
            while (top > 0) {
                int i = stack[--top];
                n++;
                int x = i % gw;
                if (x > 0 && g[i - 1] == 0) { g[i - 1] = 3; stack[top++] = i - 1; }
                if (x < gw - 1 && g[i + 1] == 0) { g[i + 1] = 3; stack[top++] = i + 1; }
                if (g[i - gw] == 0) { g[i - gw] = 3; stack[top++] = i - gw; }
                if (g[i + gw] == 0) { g[i + gw] = 3; stack[top++] = i + gw; }
            }
            largest = Math.max(largest, n);
        }
        int perimeter = 0;
        for (int i = 0; i < g.length; i++) {
            if (g[i] != 1) continue;
            perimeter += (g[i - 1] != 1 ? 1 : 0) + (g[i + 1] != 1 ? 1 : 0) + (g[i - gw] != 1 ? 1 : 0) + (g[i + gw] != 1 ? 1 : 0);
        }
        // 2. convex hull of the corners of each row's outermost pixels
        long[] pts = new long[bh * 4];
        int np = 0;
        for (int y = 0; y < bh; y++) {
            if (rowMax[y] < 0) continue;
            pts[np++] = pack(rowMin[y], y);
            pts[np++] = pack(rowMin[y], y + 1);
            pts[np++] = pack(rowMax[y] + 1, y);
            pts[np++] = pack(rowMax[y] + 1, y + 1);
        }
        double hull = hullArea(Arrays.copyOf(pts, np));
        Point c = new Point((double) sx / mask.length + 0.5, (double) sy / mask.length + 0.5);
        return new ShapeDescriptors(mask.length, new Box(x0, y0, x1 + 1, y1 + 1), c, (double) mask.length / (bw * bh),
                hull > 0 ? Math.min(1.0, mask.length / hull) : 1.0, holes, largest, perimeter);
    }

    private static long pack(int x, int y) {
        return ((long) x << 32) | (y & 0xffffffffL);
    }

    /** Area of the convex hull (Andrew's monotone chain) of packed integer points. */
    private static double hullArea(long[] pts) {
        Arrays.sort(pts); // by x, then y (both non-negative)
        int n = pts.length;
        if (n < 3) return 0;
        long[] h = new long[2 * n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            while (k >= 2 && cross(h[k - 2], h[k - 1], pts[i]) <= 0) k--;
            h[k++] = pts[i];
        }
        for (int i = n - 2, t = k + 1; i >= 0; i--) {
            while (k >= t && cross(h[k - 2], h[k - 1], pts[i]) <= 0) k--;
            h[k++] = pts[i];
        }
        long a2 = 0;
        for (int i = 0; i < k - 1; i++) a2 += x(h[i]) * y(h[i + 1]) - x(h[i + 1]) * y(h[i]);
        return Math.abs(a2) / 2.0;
    }

    private static long x(long p) {
        return p >> 32;
    }

    private static long y(long p) {
        return (int) p;
    }

    private static long cross(long o, long a, long b) {
        return (x(a) - x(o)) * (y(b) - y(o)) - (y(a) - y(o)) * (x(b) - x(o));
    }

    /** {@code 4 pi area / perimeter^2} with the pixel-edge perimeter: near 0.8 for a disc, low for thin strokes. */
    public double compactness() {
        return 4 * Math.PI * area / ((double) perimeter * perimeter);
    }

    /** Bounding-box height over width. */
    public double aspect() {
        return (double) bbox.height() / bbox.width();
    }
}
