package io.easel.annotators;

/** Resampling kernels of {@link Resize}, named and placed as OpenCV's {@code cv2.INTER_*}. */
public enum Interpolation {
    /** Nearest neighbour: source index {@code floor(dst * src / dst_size)}. */
    NEAREST,
    /** Bilinear, pixel centres aligned, no antialiasing. */
    LINEAR,
    /** Bicubic with a = -0.75 (4x4 taps), no antialiasing. */
    CUBIC,
    /** Pixel-area averaging when shrinking; bilinear-like when enlarging. */
    AREA,
    /** Lanczos with a = 4 (8x8 taps), no antialiasing. */
    LANCZOS4
}
