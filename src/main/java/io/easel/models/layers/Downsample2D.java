package io.easel.models.layers;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** diffusers Downsample2D with a strided 3x3 convolution. */
public final class Downsample2D extends Module {
    private final Conv2d conv;
    private final boolean asymmetricPad;

    /** @param padding 1 (UNet) or 0 (VAE: pads right/bottom by one, as the LDM VAE does) */
    public Downsample2D(int channels, int padding) {
        conv = child("conv", new Conv2d(channels, channels, 3, 2, padding, true));
        asymmetricPad = padding == 0;
    }

    // x: [N,C,H,W] -> [N,C,ceil(H/2),ceil(W/2)]
    public Tensor forward(Tensor x) {
        if (asymmetricPad) x = torch.constant_pad_nd(x, new long[]{0, 1, 0, 1}, io.easel.tensor.T.s(0));
        return conv.forward(x);
    }
}
