package io.easel.train.shapes;

import java.util.List;

/**
 * Exact, aliased rasterisation of the shapes: a pixel belongs to an object when its centre
 * {@code (i + 0.5, j + 0.5)} lies inside the object's region. Pure double arithmetic with
 * {@link StrictMath} trigonometry, so masks are bit-identical on every JVM (Java2D is not used:
 * its scan conversion is an implementation detail of each JDK's renderer).
 *
 * <p>Regions, from the anchor {@code (ax, ay)} and scale {@code s}:
 * <ul>
 *   <li>circle: radius {@code s}</li>
 *   <li>square: axis-aligned, half side {@code 0.88 s}</li>
 *   <li>triangle: equilateral, apex up, circumradius {@code 1.3 s}</li>
 *   <li>star: five points, apex up, outer radius {@code 1.3 s}, inner radius half of it</li>
 *   <li>ring: outer radius {@code 1.05 s}, inner radius {@code 0.55} of the outer</li>
 *   <li>stick figure (height {@code s}): a head disc of radius {@code 0.1 s} centred midway between
 *       the ears, and strokes of half-width {@code 0.045 s} (at least 0.8 px) along head-neck,
 *       shoulder-shoulder, neck-mid-hip, hip-hip, and the arms and legs</li>
 * </ul>
 */
final class Raster {
    static final double SQUARE_HALF = 0.88, POLY_RADIUS = 1.3, STAR_INNER = 0.5, RING_OUTER = 1.05, RING_INNER = 0.55;
    static final double HEAD_RADIUS = 0.1, STROKE_HALF_WIDTH = 0.045, MIN_STROKE_HALF_WIDTH = 0.8;

    /** Figure strokes as COCO keypoint index pairs; -1 is the head centre, -2 the mid-hip. */
    static final int[][] FIGURE_STROKES = {{-1, 1}, {2, 5}, {1, -2}, {8, 11}, {2, 3}, {3, 4}, {5, 6}, {6, 7},
            {8, 9}, {9, 10}, {11, 12}, {12, 13}};

    private Raster() {}

    /**
     * The pixels of an object, as ascending indices {@code y * width + x}, clipped to the canvas.
     */
    static int[] mask(ShapeKind shape, Point anchor, double scale, List<Point> keypoints, int width, int height) {
        double[] ext = extent(shape, anchor, scale, keypoints);
        int x0 = Math.max(0, (int) Math.floor(ext[0]) - 1), y0 = Math.max(0, (int) Math.floor(ext[1]) - 1);
        int x1 = Math.min(width, (int) Math.ceil(ext[2]) + 1), y1 = Math.min(height, (int) Math.ceil(ext[3]) + 1);
        Region region = region(shape, anchor, scale, keypoints);
        int[] buf = new int[Math.max(0, (x1 - x0) * (y1 - y0))];
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                if (region.contains(x + 0.5, y + 0.5)) buf[n++] = y * width + x;
            }
        }
        return java.util.Arrays.copyOf(buf, n);
    }

    /** Analytic bounds {minX, minY, maxX, maxY} of an object's region. */
    static double[] extent(ShapeKind shape, Point a, double s, List<Point> kp) {
        double r = switch (shape) {
            case CIRCLE -> s;
            case SQUARE -> SQUARE_HALF * s;
            case TRIANGLE, STAR -> POLY_RADIUS * s;
            case RING -> RING_OUTER * s;
            case STICK_FIGURE -> -1;
        };
        if (r >= 0) return new double[]{a.x() - r, a.y() - r, a.x() + r, a.y() + r};
        double hw = strokeHalfWidth(s), hr = HEAD_RADIUS * s;
        Point head = headCentre(kp);
        double[] e = {head.x() - hr, head.y() - hr, head.x() + hr, head.y() + hr};
        for (Point p : kp) {
            e[0] = Math.min(e[0], p.x() - hw);
            e[1] = Math.min(e[1], p.y() - hw);
            e[2] = Math.max(e[2], p.x() + hw);
            e[3] = Math.max(e[3], p.y() + hw);
        }
        return e;
    }

    static double strokeHalfWidth(double height) {
        return Math.max(MIN_STROKE_HALF_WIDTH, STROKE_HALF_WIDTH * height);
    }

    /** The head centre of a figure: midway between the ears (keypoints 16, 17). */
    static Point headCentre(List<Point> kp) {
        return new Point((kp.get(16).x() + kp.get(17).x()) / 2, (kp.get(16).y() + kp.get(17).y()) / 2);
    }

    /** Membership test of a continuous point. */
    interface Region {
        boolean contains(double x, double y);
    }

    static Region region(ShapeKind shape, Point a, double s, List<Point> kp) {
        double ax = a.x(), ay = a.y();
        return switch (shape) {
            case CIRCLE -> (x, y) -> sq(x - ax) + sq(y - ay) <= s * s;
            case SQUARE -> {
                double h = SQUARE_HALF * s;
                yield (x, y) -> Math.abs(x - ax) <= h && Math.abs(y - ay) <= h;
            }
            case TRIANGLE -> polygon(regularVertices(ax, ay, POLY_RADIUS * s, POLY_RADIUS * s, 3));
            case STAR -> polygon(regularVertices(ax, ay, POLY_RADIUS * s, POLY_RADIUS * s * STAR_INNER, 10));
            case RING -> {
                double ro = RING_OUTER * s, ri = RING_INNER * ro;
                yield (x, y) -> {
                    double d2 = sq(x - ax) + sq(y - ay);
                    return d2 <= ro * ro && d2 >= ri * ri;
                };
            }
            case STICK_FIGURE -> figure(kp, s);
        };
    }

    /**
     * Vertices on a circle starting at the top and going clockwise on screen; with {@code n} even,
     * odd vertices lie on the inner radius (a star).
     */
    static double[][] regularVertices(double cx, double cy, double outer, double inner, int n) {
        double[][] v = new double[n][];
        for (int k = 0; k < n; k++) {
            double ang = StrictMath.toRadians(-90.0 + 360.0 * k / n);
            double r = (n % 2 == 0 && k % 2 == 1) ? inner : outer;
            v[k] = new double[]{cx + r * StrictMath.cos(ang), cy + r * StrictMath.sin(ang)};
        }
        return v;
    }

    /** Even-odd point-in-polygon test. */
    static Region polygon(double[][] v) {
        return (x, y) -> {
            boolean in = false;
            for (int i = 0, j = v.length - 1; i < v.length; j = i++) {
                double xi = v[i][0], yi = v[i][1], xj = v[j][0], yj = v[j][1];
                if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
            }
            return in;
        };
    }

    private static Region figure(List<Point> kp, double height) {
        double hw2 = sq(strokeHalfWidth(height)), hr2 = sq(HEAD_RADIUS * height);
        Point head = headCentre(kp);
        Point midHip = new Point((kp.get(8).x() + kp.get(11).x()) / 2, (kp.get(8).y() + kp.get(11).y()) / 2);
        double[][] seg = new double[FIGURE_STROKES.length][];
        for (int i = 0; i < seg.length; i++) {
            Point p = at(kp, FIGURE_STROKES[i][0], head, midHip), q = at(kp, FIGURE_STROKES[i][1], head, midHip);
            seg[i] = new double[]{p.x(), p.y(), q.x(), q.y()};
        }
        return (x, y) -> {
            if (sq(x - head.x()) + sq(y - head.y()) <= hr2) return true;
            for (double[] g : seg) {
                if (segmentDistance2(x, y, g[0], g[1], g[2], g[3]) <= hw2) return true;
            }
            return false;
        };
    }

    private static Point at(List<Point> kp, int i, Point head, Point midHip) {
        return i == -1 ? head : i == -2 ? midHip : kp.get(i);
    }

    static double segmentDistance2(double px, double py, double ax, double ay, double bx, double by) {
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        double t = len2 == 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        return sq(px - (ax + t * dx)) + sq(py - (ay + t * dy));
    }

    private static double sq(double v) {
        return v * v;
    }
}
