package io.easel.pipeline;

import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

/**
 * The image img2img starts from.
 *
 * @param pixels   [1,3,H,W] float32 in [-1,1], exactly the output size
 * @param strength how much to change it: 1 starts from pure noise, small values keep it close
 */
public record InitImage(Tensor pixels, double strength) {
    public InitImage {
        if (!(strength > 0 && strength <= 1)) throw new IllegalArgumentException("--strength must be within (0, 1], got " + strength);
        if (pixels.dim() != 4 || pixels.size(0) != 1 || pixels.size(1) != 3)
            throw new IllegalArgumentException("init image must be [1,3,H,W], got " + T.shapeString(pixels));
    }
}
