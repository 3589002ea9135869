package io.easel.models.layers;

import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import io.easel.tensor.Nn.GroupNorm;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Ops;
import io.easel.tensor.Scopes;
import org.bytedeco.pytorch.Tensor;

/** diffusers ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1). */
public final class ResnetBlock2D extends Module {
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, convShortcut;
    private final Linear timeEmbProj;

    /** @param tembChannels width of the time embedding, or 0 for none (the VAE) */
    public ResnetBlock2D(int in, int out, int tembChannels, int groups, double eps) {
        norm1 = child("norm1", new GroupNorm(groups, in, eps));
        conv1 = child("conv1", new Conv2d(in, out, 3, 1));
        timeEmbProj = tembChannels > 0 ? child("time_emb_proj", new Linear(tembChannels, out)) : null;
        norm2 = child("norm2", new GroupNorm(groups, out, eps));
        conv2 = child("conv2", new Conv2d(out, out, 3, 1));
        convShortcut = in != out ? child("conv_shortcut", new Conv2d(in, out, 1, 0)) : null;
    }

    // x: [N,in,H,W], temb: [N,temb] or null -> [N,out,H,W]
    public Tensor forward(Tensor x, Tensor temb) {
        return Scopes.run(() -> forwardImpl(x, temb));
    }

    private Tensor forwardImpl(Tensor x, Tensor temb) {
        Tensor h = conv1.forward(Ops.silu(norm1.forward(x)));
        if (timeEmbProj != null) {
            Tensor t = timeEmbProj.forward(Ops.silu(temb));
            h = h.add(t.unsqueeze(2).unsqueeze(3));
        }
        h = conv2.forward(Ops.silu(norm2.forward(h)));
        Tensor skip = convShortcut != null ? convShortcut.forward(x) : x;
        return skip.add(h);
    }
}
