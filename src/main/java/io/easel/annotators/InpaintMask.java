package io.easel.annotators;

/**
 * The ControlNet v1.1 inpaint hint: the image with masked pixels set to -1 in hint units
 * ({@code detected_map[mask > 0.5] = -255}, then {@code / 255}). Unmasked pixels keep their
 * 0..255 values (hint 0..1); masked pixels hold -255 in every channel.
 *
 * <p>The mask is a separate image, white (bright) where to inpaint: its brightest colour channel
 * times its alpha, over 255, is the mask value. Without a mask image, the input's own alpha
 * marks the hole: transparent (alpha below 128) pixels are masked. When writing the hint with
 * {@link Images#write}, masked pixels become transparent.
 */
public final class InpaintMask {
    private InpaintMask() {}

    /**
     * Builds the hint from an image and a mask of the same size.
     *
     * @param maskBlur sigma of a Gaussian blur of the mask before the 0.5 threshold (ControlNet's
     *                 demo used 5); 0 for none
     * @throws IllegalArgumentException when the sizes differ
     */
    public static Image hint(Image image, Image mask, double maskBlur) {
        if (mask.width() != image.width() || mask.height() != image.height()) {
            throw new IllegalArgumentException("inpaint mask is " + mask.width() + "x" + mask.height()
                    + " but the image is " + image.width() + "x" + image.height());
        }
        int n = image.width() * image.height(), mc = mask.channels(), cc = mask.colorChannels();
        float[] m = new float[n];
        for (int p = 0; p < n; p++) {
            float v = 0;
            for (int c = 0; c < cc; c++) v = Math.max(v, mask.data()[p * mc + c]);
            if (mask.hasAlpha()) v *= mask.data()[p * mc + mc - 1] / 255f;
            m[p] = v / 255f;
        }
        return apply(image, m, maskBlur);
    }

    /**
     * Builds the hint from an image whose alpha channel marks the hole (alpha below 128 is masked).
     *
     * @throws IllegalArgumentException when the image has no alpha channel
     */
    public static Image hintFromAlpha(Image image, double maskBlur) {
        if (!image.hasAlpha()) {
            throw new IllegalArgumentException("inpaint needs a mask: give a mask image or an image with transparent holes");
        }
        int n = image.width() * image.height(), ch = image.channels();
        float[] m = new float[n];
        for (int p = 0; p < n; p++) m[p] = image.data()[p * ch + ch - 1] < 128 ? 1f : 0f;
        return apply(image, m, maskBlur);
    }

    private static Image apply(Image image, float[] mask, double maskBlur) {
        int w = image.width(), h = image.height();
        if (maskBlur > 0) mask = Filters.gaussianBlur(new Image(w, h, 1, mask), maskBlur, false).data();
        Image rgb = image.toRgb().quantize();
        float[] d = rgb.data();
        for (int p = 0; p < mask.length; p++) {
            if (mask[p] > 0.5f) d[3 * p] = d[3 * p + 1] = d[3 * p + 2] = -255f;
        }
        return rgb;
    }

    /** Whether pixel (x, y) of a hint is masked. */
    public static boolean isMasked(Image hint, int x, int y) {
        return hint.get(x, y, 0) < 0;
    }
}
