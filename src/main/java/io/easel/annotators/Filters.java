package io.easel.annotators;

/**
 * Small image filters shared by the annotators, following OpenCV's defaults: Gaussian kernels
 * sized from sigma as {@code cv2.GaussianBlur(img, (0, 0), sigma)} sizes them, and
 * {@code BORDER_REFLECT_101} borders ({@code gfedcb|abcdefgh|gfedcba}).
 */
final class Filters {
    private Filters() {}

    /** Reflect-101 border index. */
    static int reflect101(int i, int n) {
        if (n == 1) return 0;
        while (i < 0 || i >= n) {
            if (i < 0) i = -i;
            if (i >= n) i = 2 * n - 2 - i;
        }
        return i;
    }

    /** OpenCV's Gaussian kernel for {@code sigma > 0}: {@code ksize = round(sigma * k * 2 + 1) | 1}. */
    static float[] gaussianKernel(double sigma, boolean eightBit) {
        int n = ((int) Math.round(sigma * (eightBit ? 3 : 4) * 2 + 1)) | 1;
        double[] k = new double[n];
        double sum = 0, scale2X = -0.5 / (sigma * sigma);
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) * 0.5;
            k[i] = Math.exp(scale2X * x * x);
            sum += k[i];
        }
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (k[i] / sum);
        return f;
    }

    /**
     * Separable Gaussian blur, reflect-101 borders, every channel. {@code eightBit} picks
     * OpenCV's kernel size for uint8 images (3 sigma each side) over float images (4 sigma).
     */
    static Image gaussianBlur(Image src, double sigma, boolean eightBit) {
        if (!(sigma > 0)) return src.copy();
        float[] k = gaussianKernel(sigma, eightBit);
        return separable(src, k, k);
    }

    /** Correlates with {@code kx} along rows and {@code ky} along columns (reflect-101 borders). */
    static Image separable(Image src, float[] kx, float[] ky) {
        int w = src.width(), h = src.height(), ch = src.channels();
        float[] s = src.data(), mid = new float[s.length], out = new float[s.length];
        int rx = kx.length / 2, ry = ky.length / 2;
        int[] xi = new int[w + 2 * rx];
        for (int i = 0; i < xi.length; i++) xi[i] = reflect101(i - rx, w);
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < ch; c++) {
                    float acc = 0;
                    for (int k = 0; k < kx.length; k++) acc += kx[k] * s[(row + xi[x + k]) * ch + c];
                    mid[(row + x) * ch + c] = acc;
                }
            }
        }
        int[] yi = new int[h + 2 * ry];
        for (int i = 0; i < yi.length; i++) yi[i] = reflect101(i - ry, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < ch; c++) {
                    float acc = 0;
                    for (int k = 0; k < ky.length; k++) acc += ky[k] * mid[(yi[y + k] * w + x) * ch + c];
                    out[(y * w + x) * ch + c] = acc;
                }
            }
        }
        return new Image(w, h, ch, out);
    }

    /** 3x3 Sobel x-derivative, {@code cv2.Sobel(img, CV_32F, 1, 0, ksize=3)} (reflect-101). */
    static Image sobelX(Image src) {
        return separable(src, new float[]{-1, 0, 1}, new float[]{1, 2, 1});
    }

    /** 3x3 Sobel y-derivative, {@code cv2.Sobel(img, CV_32F, 0, 1, ksize=3)} (reflect-101). */
    static Image sobelY(Image src) {
        return separable(src, new float[]{1, 2, 1}, new float[]{-1, 0, 1});
    }

    /** OpenCV's 8-bit {@code RGB2GRAY} (its 15-bit fixed-point path): {@code (9798 R + 19235 G + 3735 B + 2^14) >> 15}. */
    static int gray8(int r, int g, int b) {
        return (r * 9798 + g * 19235 + b * 3735 + 16384) >> 15;
    }

    /** The image as 8-bit luma, one value per pixel (alpha over white, colour through {@link #gray8}). */
    static int[] luma8(Image image) {
        Image im = image.flattenAlpha();
        int n = im.width() * im.height();
        int[] g = new int[n];
        float[] d = im.data();
        for (int p = 0; p < n; p++) {
            g[p] = im.channels() == 1 ? Image.clamp8(d[p])
                    : gray8(Image.clamp8(d[3 * p]), Image.clamp8(d[3 * p + 1]), Image.clamp8(d[3 * p + 2]));
        }
        return g;
    }

    /** Binary dilation of a mask by a disk of the given radius (pixels within distance r). */
    static boolean[] dilate(boolean[] mask, int w, int h, int r) {
        if (r <= 0) return mask.clone();
        boolean[] out = new boolean[mask.length];
        int r2 = r * r;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!mask[y * w + x]) continue;
                for (int dy = -r; dy <= r; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) continue;
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = x + dx;
                        if (xx < 0 || xx >= w || dx * dx + dy * dy > r2) continue;
                        out[yy * w + xx] = true;
                    }
                }
            }
        }
        return out;
    }

    /** A three-channel image, 255 where {@code mask} is set and 0 elsewhere. */
    static Image maskToRgb(boolean[] mask, int w, int h) {
        float[] d = new float[w * h * 3];
        for (int p = 0; p < mask.length; p++) {
            if (mask[p]) d[3 * p] = d[3 * p + 1] = d[3 * p + 2] = 255f;
        }
        return new Image(w, h, 3, d);
    }
}
