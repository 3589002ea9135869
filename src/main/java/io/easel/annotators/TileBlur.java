package io.easel.annotators;

/**
 * Hints for the tile / blur control models: a resampled (detail-removed) copy of the image, or a
 * Gaussian blur. Both return the input size, 8-bit values, alpha composited over white.
 */
public final class TileBlur {
    private TileBlur() {}

    /**
     * The tile hint: shrunk by {@code factor} with pixel-area averaging ({@code cv2.INTER_AREA},
     * as sd-webui-controlnet's {@code tile_resample}) and enlarged back to the input size
     * bilinearly (as ControlNet's tile demo resizes the hint). A factor below 1.1 returns the
     * image unchanged, as {@code tile_resample} does.
     */
    public static Image tile(Image image, double factor) {
        Image im = image.flattenAlpha().quantize();
        if (factor < 1.1) return im;
        int w = Math.max(1, (int) (im.width() / factor)), h = Math.max(1, (int) (im.height() / factor));
        Image small = Resize.resize(im, w, h, Interpolation.AREA).quantize();
        return Resize.resize(small, im.width(), im.height(), Interpolation.LINEAR).quantize();
    }

    /** {@code cv2.GaussianBlur(img, (0, 0), sigma)} on the 8-bit image (reflect-101 borders). */
    public static Image blur(Image image, double sigma) {
        Image im = image.flattenAlpha().quantize();
        return Filters.gaussianBlur(im, sigma, true).quantize();
    }
}
