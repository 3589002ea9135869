package io.easel.annotators;

/**
 * Depth hints from user-supplied depth images (8- or 16-bit; 16-bit keeps its precision): the
 * depth hint (min-max normalised) and the normal-map hint computed from depth the way ControlNet
 * v1.0's {@code normal} annotator did ({@code annotator/midas}: Sobel gradients of depth, a
 * constant z, background flattened).
 *
 * <p>Depth is read from the first channel, in 8-bit units, in ControlNet's convention that near
 * is bright (MiDaS inverse depth). Alpha is composited over white first.
 */
public final class DepthMaps {
    /** ControlNet's default z component, {@code a = 2 * pi}. */
    public static final double DEFAULT_Z = Math.PI * 2.0;
    /** sd-webui-controlnet's default background threshold for normals. */
    public static final double DEFAULT_BG_THRESHOLD = 0.4;

    private DepthMaps() {}

    /**
     * The depth hint: the first channel stretched to 0..255 ({@code (d - min) / (max - min)}),
     * optionally inverted (for files where far is bright), as three 8-bit channels. A constant
     * image gives black.
     */
    public static Image depth(Image image, boolean invert) {
        float[] t = normalized(image.flattenAlpha());
        float[] out = new float[t.length * 3];
        for (int p = 0; p < t.length; p++) {
            float v = invert ? 1f - t[p] : t[p];
            out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = Math.min(255, Math.max(0, (int) (v * 255f)));
        }
        return new Image(image.width(), image.height(), 3, out);
    }

    /**
     * The normal-map hint from depth, as ControlNet's MiDaS annotator computes it: {@code x} and
     * {@code y} are 3x3 Sobel derivatives of depth (float, reflect-101 borders), {@code z} a
     * constant; where the normalised depth is below {@code bgThreshold}, x and y are zeroed (flat
     * background facing the camera); the vector is normalised and stored as
     * {@code uint8(n * 127.5 + 127.5)} in R, G, B.
     *
     * @param bgThreshold 0..1 (ControlNet demo 0.4, its function default 0.1)
     * @param z           the z component; larger is flatter (ControlNet: 2 pi)
     */
    public static Image normals(Image depth, double bgThreshold, double z) {
        Image d = depth.flattenAlpha().channel(0);
        float[] t = normalized(d);
        float[] gx = Filters.sobelX(d).data(), gy = Filters.sobelY(d).data();
        int n = t.length;
        float[] out = new float[n * 3];
        float zf = (float) z;
        for (int p = 0; p < n; p++) {
            float x = gx[p], y = gy[p];
            if (t[p] < bgThreshold) { x = 0; y = 0; }
            float len = (float) Math.sqrt(x * x + y * y + zf * zf);
            float[] v = {x / len, y / len, zf / len};
            for (int c = 0; c < 3; c++) {
                out[3 * p + c] = (int) Math.min(255f, Math.max(0f, v[c] * 127.5f + 127.5f));
            }
        }
        return new Image(depth.width(), depth.height(), 3, out);
    }

    /** First channel min-max normalised to [0, 1]; all zeros when constant. */
    private static float[] normalized(Image im) {
        int n = im.width() * im.height(), ch = im.channels();
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < n; p++) {
            float v = im.data()[p * ch];
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float[] t = new float[n];
        if (max > min) {
            for (int p = 0; p < n; p++) t[p] = (im.data()[p * ch] - min) / (max - min);
        }
        return t;
    }
}
