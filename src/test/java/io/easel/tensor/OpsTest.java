package io.easel.tensor;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class OpsTest {
    private static double relErr(Tensor a, Tensor ref) {
        return T.maxAbs(a.to(torch.ScalarType.Double).sub(ref)) / Math.max(1, T.maxAbs(ref));
    }

    /** Ops.linear routes through oneDNN convolutions; it must equal a float64 reference on every width class. */
    @Test
    void linearMatchesReferenceOnAllWidthClasses() {
        int[] ins = {7, 32, 40, 48, 96, 320, 768, 1280, 4096};
        int[] outs = {4, 5, 16, 40, 48, 80, 96, 112, 160, 224, 320};
        try (NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(1);
            for (int n : new int[]{3, 77, 512}) for (int in : ins) for (int out : outs) {
                Tensor x = torch.randn(n, in), w = torch.randn(out, in).mul(T.s(0.05)), b = torch.randn(out);
                Tensor ref = torch.linear(x.to(torch.ScalarType.Double), w.to(torch.ScalarType.Double), T.opt(b.to(torch.ScalarType.Double)));
                double err = relErr(Ops.linear(x, w, b), ref);
                assertTrue(err < 1e-5, "n=" + n + " in=" + in + " out=" + out + " err=" + err);
            }
            // 3-D input keeps its leading dimensions
            Tensor x3 = torch.randn(2, 9, 32), w = torch.randn(48, 32);
            Tensor y = Ops.linear(x3, w, null);
            assertTrue(java.util.Arrays.equals(T.shape(y), new long[]{2, 9, 48}));
            assertTrue(relErr(y, torch.linear(x3.to(torch.ScalarType.Double), w.to(torch.ScalarType.Double))) < 1e-5);
        }
    }

    /** The chunked inference attention equals SDPA, for self- and cross-attention and chunked lengths. */
    @Test
    void attentionMatchesSdpa() {
        try (NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(2);
            for (long[] s : new long[][]{{2, 64, 77, 4, 8}, {1, 1500, 1500, 2, 16}, {2, 3000, 50, 8, 40}}) {
                long b = s[0], n = s[1], m = s[2], h = s[3], d = s[4];
                Tensor q = torch.randn(b, n, h * d), k = torch.randn(b, m, h * d), v = torch.randn(b, m, h * d);
                Tensor ref = torch.scaled_dot_product_attention(
                        q.view(b, n, h, d).transpose(1, 2), k.view(b, m, h, d).transpose(1, 2), v.view(b, m, h, d).transpose(1, 2))
                        .transpose(1, 2).reshape(b, n, h * d);
                double err = T.maxAbs(Ops.attention(q, k, v, (int) h).sub(ref));
                assertTrue(err < 1e-5, java.util.Arrays.toString(s) + " err=" + err);
            }
        }
    }

    /** Packing for inference changes layouts only: results stay those of the dense layers. */
    @Test
    void packedLayersMatchDenseOnes() {
        try (NoGradGuard g = new NoGradGuard()) {
            org.bytedeco.pytorch.Generator gen = torch.createCPUGenerator(3);
            for (int[] s : new int[][]{{1024, 1024, 77}, {1280, 2048, 300}, {2048, 640, 5}}) {
                Nn.Linear lin = new Nn.Linear(s[0], s[1]);
                lin.init(gen, DType.FP32);
                Tensor x = torch.randn(2, s[2], s[0]);
                Tensor dense = lin.forward(x);
                lin.packForInference();
                assertTrue(!lin.weight.isSet(), "dense weight released");
                double err = T.maxAbs(lin.forward(x).sub(dense)) / Math.max(1, T.maxAbs(dense));
                assertTrue(err < 1e-5, java.util.Arrays.toString(s) + " err=" + err);
            }
            for (int[] s : new int[][]{{4, 32, 3, 1, 16}, {64, 32, 3, 2, 15}, {96, 64, 1, 1, 8}, {320, 320, 3, 1, 12}}) {
                Nn.Conv2d conv = new Nn.Conv2d(s[0], s[1], s[2], s[3], s[2] / 2, true);
                conv.init(gen, DType.FP32);
                Tensor x = torch.randn(2, s[0], s[4], s[4] + 3);
                Tensor dense = conv.forward(x);
                conv.packForInference();
                double err = T.maxAbs(conv.forward(x).sub(dense)) / Math.max(1, T.maxAbs(dense));
                assertTrue(err < 1e-5, java.util.Arrays.toString(s) + " err=" + err);
            }
        }
    }
}
