package io.easel.models.layers;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Ops;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Sinusoidal timestep features and the two-layer MLP that embeds them (diffusers Timesteps + TimestepEmbedding). */
public final class Timesteps {
    private Timesteps() {}

    /**
     * diffusers get_timestep_embedding, computed in float32.
     * t: [N] float32 -> [N, dim]
     */
    public static Tensor sinusoidal(Tensor t, int dim, boolean flipSinToCos, double freqShift) {
        int half = dim / 2;
        Tensor exponent = torch.arange(T.s(0), T.s(half), T.opts(torch.ScalarType.Float))
                .mul(T.s(-Math.log(10000.0))).div(T.s(half - freqShift));
        Tensor emb = t.to(torch.ScalarType.Float).unsqueeze(1).mul(torch.exp(exponent).unsqueeze(0));
        Tensor sin = torch.sin(emb), cos = torch.cos(emb);
        Tensor out = flipSinToCos ? T.cat(java.util.List.of(cos, sin), -1) : T.cat(java.util.List.of(sin, cos), -1);
        if (dim % 2 == 1) out = torch.constant_pad_nd(out, new long[]{0, 1}, T.s(0));
        return out;
    }

    /** linear_1 -> SiLU -> linear_2. */
    public static final class TimestepEmbedding extends Module {
        private final Linear linear1, linear2;

        public TimestepEmbedding(int in, int dim) {
            linear1 = child("linear_1", new Linear(in, dim));
            linear2 = child("linear_2", new Linear(dim, dim));
        }

        // x: [N,in] -> [N,dim]
        public Tensor forward(Tensor x) { return linear2.forward(Ops.silu(linear1.forward(x))); }
    }
}
