package io.easel.train.shapes;

/**
 * An 8-bit RGB colour.
 *
 * @param r red, 0..255
 * @param g green, 0..255
 * @param b blue, 0..255
 */
public record Rgb(int r, int g, int b) {
    /** Validates the samples. */
    public Rgb {
        if ((r | g | b) < 0 || r > 255 || g > 255 || b > 255) {
            throw new IllegalArgumentException("RGB samples must be 0..255, got " + r + "," + g + "," + b);
        }
    }

    /** Squared Euclidean distance in RGB. */
    public int distance2(Rgb o) {
        int dr = r - o.r, dg = g - o.g, db = b - o.b;
        return dr * dr + dg * dg + db * db;
    }

    /** Linear blend {@code round(this + (o - this) * t)} per channel, t in [0, 1]. */
    public Rgb blend(Rgb o, double t) {
        return new Rgb((int) Math.round(r + (o.r - r) * t), (int) Math.round(g + (o.g - g) * t),
                (int) Math.round(b + (o.b - b) * t));
    }

    /** The samples as {@code {r, g, b}}. */
    public int[] toArray() {
        return new int[]{r, g, b};
    }
}
