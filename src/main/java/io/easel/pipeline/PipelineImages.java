package io.easel.pipeline;

import io.easel.annotators.Image;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

/** Conversions between 8-bit images and the tensors the networks take, as diffusers' image processor does them. */
public final class PipelineImages {
    private PipelineImages() {}

    /** An RGB image (alpha composited by {@link Image#toRgb}) as [1,3,H,W] float32 in [-1,1]: v/127.5 - 1 after /255 rounding. */
    public static Tensor toTensor(Image image) {
        return planes(image, v -> (float) Math.rint(v) / 255f * 2f - 1f);
    }

    /** A condition image as [1,3,H,W] float32 in [0,1] (ControlNet's input). */
    public static Tensor toUnitTensor(Image image) {
        return planes(image, v -> v / 255f);
    }

    /** The image's RGB values (0..255, interleaved) mapped by {@code f} into [1,3,H,W] planes. */
    private static Tensor planes(Image image, FloatUnaryOperator f) {
        Image rgb = image.channels() == 3 ? image : image.toRgb();
        int w = rgb.width(), h = rgb.height();
        float[] chw = new float[3 * w * h];
        float[] d = rgb.data();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) chw[c * w * h + y * w + x] = f.apply(d[(y * w + x) * 3 + c]);
        return T.fromFloats(chw, 1, 3, h, w);
    }

    @FunctionalInterface
    private interface FloatUnaryOperator { float apply(float v); }

    /** One image of a [B,H,W,3] batch in [0,1] as 8-bit RGB, rounding as diffusers' numpy_to_pil does. */
    public static Image toImage(Tensor images, int index) {
        Tensor one = images.select(0, index);
        int h = (int) one.size(0), w = (int) one.size(1);
        float[] v = T.toFloats(one);
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.rint(Math.max(0f, Math.min(1f, v[i])) * 255f);
        return new Image(w, h, 3, v);
    }
}
