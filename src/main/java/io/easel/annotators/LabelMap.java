package io.easel.annotators;

/**
 * A segmentation label map: one class index per pixel, row-major.
 *
 * @param width  width in pixels
 * @param height height in pixels
 * @param labels {@code width * height} class indices
 */
public record LabelMap(int width, int height, int[] labels) {
    /** Validates the dimensions against the label array. */
    public LabelMap {
        if (width < 1 || height < 1 || labels == null || labels.length != (long) width * height) {
            throw new IllegalArgumentException("label map " + width + "x" + height + " needs "
                    + (long) width * height + " labels, got " + (labels == null ? 0 : labels.length));
        }
    }

    /** Label at pixel (x, y). */
    public int get(int x, int y) {
        return labels[y * width + x];
    }
}
