package io.easel.train.shapes;

/**
 * A pixel rectangle: columns {@code x0 .. x1 - 1}, rows {@code y0 .. y1 - 1} (end exclusive).
 *
 * @param x0 first column
 * @param y0 first row
 * @param x1 one past the last column
 * @param y1 one past the last row
 */
public record Box(int x0, int y0, int x1, int y1) {
    /** Width in pixels. */
    public int width() {
        return x1 - x0;
    }

    /** Height in pixels. */
    public int height() {
        return y1 - y0;
    }

    /** Gap in pixels between this box and another along x (negative when they overlap in x). */
    public int gapX(Box o) {
        return Math.max(o.x0 - x1, x0 - o.x1);
    }

    /** Gap in pixels between this box and another along y (negative when they overlap in y). */
    public int gapY(Box o) {
        return Math.max(o.y0 - y1, y0 - o.y1);
    }
}
