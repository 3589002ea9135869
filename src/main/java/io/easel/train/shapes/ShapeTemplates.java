package io.easel.train.shapes;

import java.util.List;

/**
 * The shape classifier of {@link ShapesMetrics}: which of the world's shapes, drawn by the world's
 * own rasteriser ({@link Raster}) at the region's centroid and at the size that gives the region's
 * area, overlaps the region best.
 *
 * <p>Thresholds on descriptors such as fill or solidity (the classifier this replaces) are exact on
 * aliased renders but break on the soft edges of any generated or autoencoded image: a square whose
 * corners round by one pixel fell below the fill threshold and was called a circle, and a triangle
 * with a one-pixel fringe became a circle. Matching whole templates is robust to that, since a
 * one-pixel fringe lowers the overlap with every template alike. The stick figure, whose
 * pose varies, is still recognised by its thinness (compactness below 0.16; figures measure at
 * most 0.10, the other shapes at least 0.25 on renders).
 *
 * <p>Search: for each of circle, square, triangle, star and ring, the scale whose template area
 * equals the region's area times 0.80 to 1.20 (7 values) and the anchor at the centroid shifted by
 * -0.5, 0 or 0.5 pixels in x and y; the score is the intersection over union of pixel sets (the
 * template clipped to the canvas). Ties go to the earlier kind. A region whose best overlap is
 * below {@link #MIN_IOU} matches no template and is classified as no shape (null): a shapeless
 * blob does not count as a circle.
 */
final class ShapeTemplates {
    /** Below this best overlap a region is no recognisable shape. */
    static final double MIN_IOU = 0.6;
    /** Below this compactness a region is a stick figure. */
    static final double FIGURE_COMPACTNESS = 0.3;

    private static final ShapeKind[] KINDS = {ShapeKind.CIRCLE, ShapeKind.SQUARE, ShapeKind.TRIANGLE, ShapeKind.STAR, ShapeKind.RING};
    private static final double[] AREA_FACTORS = {0.80, 0.87, 0.93, 1.0, 1.07, 1.13, 1.20};
    private static final double[] SHIFTS = {-0.5, 0, 0.5};

    private ShapeTemplates() {}

    /** Template area at scale 1 (continuous region): a template of scale s covers about this times s^2 pixels. */
    static double unitArea(ShapeKind k) {
        return switch (k) {
            case CIRCLE -> Math.PI;
            case SQUARE -> 4 * Raster.SQUARE_HALF * Raster.SQUARE_HALF;
            case TRIANGLE -> 3 * Math.sqrt(3) / 4 * Raster.POLY_RADIUS * Raster.POLY_RADIUS;
            // star with 5 points: 10 triangles of sides R and r with angle 36 degrees
            case STAR -> 5 * Raster.POLY_RADIUS * Raster.POLY_RADIUS * Raster.STAR_INNER * Math.sin(Math.PI / 5);
            case RING -> Math.PI * Raster.RING_OUTER * Raster.RING_OUTER * (1 - Raster.RING_INNER * Raster.RING_INNER);
            case STICK_FIGURE -> throw new IllegalArgumentException("a stick figure has no template");
        };
    }

    /** The kind of a region (pixel indices {@code y * width + x}), or null for none. */
    static ShapeKind classify(int[] pixels, ShapeDescriptors d, int width, int height) {
        ShapeKind best = null;
        double bestIou = MIN_IOU;
        for (ShapeKind k : KINDS) {
            double iou = bestOverlap(k, pixels, d, width, height);
            if (iou > bestIou) {
                bestIou = iou;
                best = k;
            }
        }
        if (best == null && d.compactness() < FIGURE_COMPACTNESS) return ShapeKind.STICK_FIGURE;
        return best;
    }

    /** The largest overlap of a kind's templates with the region over the search grid. */
    static double bestOverlap(ShapeKind k, int[] pixels, ShapeDescriptors d, int width, int height) {
        // the region as a grid over its bounding box and the largest template's bounds
        double sMax = Math.sqrt(pixels.length * AREA_FACTORS[AREA_FACTORS.length - 1] / unitArea(k));
        Point c = d.centre();
        double m = SHIFTS[SHIFTS.length - 1] + 1;
        double[] ext = Raster.extent(k, c, sMax, List.of());
        int gx0 = Math.max(0, Math.min(d.bbox().x0(), (int) Math.floor(ext[0] - m))), gy0 = Math.max(0, Math.min(d.bbox().y0(), (int) Math.floor(ext[1] - m)));
        int gx1 = Math.min(width, Math.max(d.bbox().x1(), (int) Math.ceil(ext[2] + m))), gy1 = Math.min(height, Math.max(d.bbox().y1(), (int) Math.ceil(ext[3] + m)));
        int gw = gx1 - gx0, gh = gy1 - gy0;
        boolean[] in = new boolean[gw * gh];
        for (int p : pixels) in[(p / width - gy0) * gw + (p % width - gx0)] = true;
        double best = 0;
        for (double f : AREA_FACTORS) {
            double s = Math.sqrt(pixels.length * f / unitArea(k));
            for (double dy : SHIFTS) {
                for (double dx : SHIFTS) {
                    Raster.Region r = Raster.region(k, new Point(c.x() + dx, c.y() + dy), s, List.of());
                    int inter = 0, tmpl = 0;
                    for (int y = 0; y < gh; y++) {
                        for (int x = 0; x < gw; x++) {
                            if (!r.contains(gx0 + x + 0.5, gy0 + y + 0.5)) continue;
                            tmpl++;
                            if (in[y * gw + x]) inter++;
                        }
                    }
                    best = Math.max(best, (double) inter / (pixels.length + tmpl - inter));
                }
            }
        }
        return best;
    }
}
