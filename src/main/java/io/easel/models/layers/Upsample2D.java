package io.easel.models.layers;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** diffusers Upsample2D: nearest-neighbour x2 (or to an explicit size), then a 3x3 convolution. */
public final class Upsample2D extends Module {
    private final Conv2d conv;

    public Upsample2D(int channels) {
        conv = child("conv", new Conv2d(channels, channels, 3, 1));
    }

    // x: [N,C,H,W] -> [N,C,2H,2W] or [N,C,size]
    public Tensor forward(Tensor x, long[] size) {
        long[] out = size != null ? size : new long[]{x.size(2) * 2, x.size(3) * 2};
        return conv.forward(torch.upsample_nearest2d(x, out));
    }
}
