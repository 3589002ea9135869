package io.easel.train;

import io.easel.tensor.DType;
import io.easel.tensor.Nn;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training gradients through {@link Nn.Conv2d} equal a float64 reference for every output width.
 * libtorch 2.5.1's oneDNN backward gets the input gradient of NCHW float32 3x3 convolutions wrong
 * (20-60%) when the output width is not a multiple of 16, which is the UNet's conv_out (to 4
 * channels): every gradient upstream of it was wrong until Conv2d took the THNN path in training.
 */
class ConvGradientTest {
    private static double rel(Tensor a, Tensor ref) {
        return T.maxAbs(a.to(torch.ScalarType.Double).sub(ref)) / Math.max(1e-30, T.maxAbs(ref));
    }

    @Test
    void inputAndWeightGradientsMatchFloat64() {
        var d = torch.ScalarType.Double;
        torch.manual_seed(3);
        for (int out : new int[]{1, 3, 4, 8, 12, 24, 32, 40, 64}) for (int k : new int[]{1, 3}) for (int in : new int[]{4, 32, 64}) {
            Nn.Conv2d conv = new Nn.Conv2d(in, out, k, 1, k / 2, true);
            conv.init(torch.createCPUGenerator(out * 100 + in), DType.FP32);
            conv.weight.get().requires_grad_(true);
            Tensor x = torch.randn(2, in, 8, 8).requires_grad_(true), gy = torch.randn(2, out, 8, 8);
            conv.forward(x).mul(gy).sum().backward();
            Tensor xd = x.detach().to(d).requires_grad_(true), wd = conv.weight.get().detach().to(d).requires_grad_(true);
            torch.conv2d(xd, wd, T.opt(conv.bias.get().detach().to(d)), new long[]{1, 1}, new long[]{k / 2, k / 2}, new long[]{1, 1}, 1)
                    .mul(gy.to(d)).sum().backward();
            double ex = rel(x.grad(), xd.grad()), ew = rel(conv.weight.get().grad(), wd.grad());
            assertTrue(ex < 1e-5 && ew < 1e-5, "conv " + in + "->" + out + " k" + k + ": input grad err " + ex + ", weight grad err " + ew);
            conv.close();
        }
    }
}
