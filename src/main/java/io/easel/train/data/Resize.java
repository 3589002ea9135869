package io.easel.train.data;

/**
 * Resizing and cropping to the training size, as diffusers' training scripts do with torchvision:
 * {@code Resize(size)} (the shorter side becomes {@code size}, the longer one
 * {@code int(size * long / short)}), then {@code CenterCrop(size)}. Resampling is separable with a
 * triangle (bilinear) kernel widened by the scale factor when shrinking, like PIL's antialiased
 * bilinear resize, so downscaled images do not alias.
 */
public final class Resize {
    private Resize() {}

    /** Planar float image: {@code c} planes of {@code w*h} values, row-major. */
    public record Planes(int width, int height, float[][] data) {}

    /** Shorter side to {@code size}, then the centred {@code size x size} crop. */
    public static Planes resizeAndCenterCrop(Planes in, int size) {
        int w = in.width(), h = in.height();
        int nw, nh;
        if (w <= h) { nw = size; nh = (int) ((long) size * h / w); }
        else { nh = size; nw = (int) ((long) size * w / h); }
        Planes r = (nw == w && nh == h) ? in : resize(in, nw, nh);
        int top = (int) Math.round((nh - size) / 2.0), left = (int) Math.round((nw - size) / 2.0);
        return crop(r, left, top, size, size);
    }

    public static Planes crop(Planes in, int left, int top, int cw, int ch) {
        float[][] out = new float[in.data().length][cw * ch];
        for (int c = 0; c < out.length; c++)
            for (int y = 0; y < ch; y++)
                System.arraycopy(in.data()[c], (top + y) * in.width() + left, out[c], y * cw, cw);
        return new Planes(cw, ch, out);
    }

    /** Separable antialiased bilinear resize. */
    public static Planes resize(Planes in, int nw, int nh) {
        float[][] tmp = new float[in.data().length][];
        Weights wx = weights(in.width(), nw), wy = weights(in.height(), nh);
        for (int c = 0; c < tmp.length; c++) {
            float[] src = in.data()[c];
            float[] horiz = new float[nw * in.height()];
            for (int y = 0; y < in.height(); y++)
                for (int x = 0; x < nw; x++) {
                    double s = 0;
                    for (int k = 0; k < wx.count[x]; k++) s += wx.w[x][k] * src[y * in.width() + wx.first[x] + k];
                    horiz[y * nw + x] = (float) s;
                }
            float[] out = new float[nw * nh];
            for (int y = 0; y < nh; y++)
                for (int x = 0; x < nw; x++) {
                    double s = 0;
                    for (int k = 0; k < wy.count[y]; k++) s += wy.w[y][k] * horiz[(wy.first[y] + k) * nw + x];
                    out[y * nw + x] = (float) s;
                }
            tmp[c] = out;
        }
        return new Planes(nw, nh, tmp);
    }

    private record Weights(int[] first, int[] count, double[][] w) {}

    /** Normalised triangle-filter taps of each output pixel (PIL's precompute_coeffs for BILINEAR). */
    private static Weights weights(int in, int out) {
        double scale = (double) in / out;
        double support = Math.max(1.0, scale); // bilinear support 1, widened when shrinking
        int[] first = new int[out], count = new int[out];
        double[][] w = new double[out][];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            int lo = Math.max(0, (int) Math.floor(center - support + 0.5)); // PIL: (int)(center - support + 0.5)
            int hi = Math.min(in, (int) Math.floor(center + support + 0.5));
            double[] k = new double[Math.max(1, hi - lo)];
            double sum = 0;
            for (int j = 0; j < hi - lo; j++) {
                double d = (j + lo - center + 0.5) / support;
                k[j] = Math.max(0, 1 - Math.abs(d));
                sum += k[j];
            }
            if (sum == 0) { k[0] = 1; sum = 1; hi = lo + 1; }
            for (int j = 0; j < k.length; j++) k[j] /= sum;
            first[i] = lo;
            count[i] = Math.max(1, hi - lo);
            w[i] = k;
        }
        return new Weights(first, count, w);
    }
}
