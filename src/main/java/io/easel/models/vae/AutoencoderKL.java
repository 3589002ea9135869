package io.easel.models.vae;

import io.easel.models.layers.Downsample2D;
import io.easel.models.layers.ResnetBlock2D;
import io.easel.models.layers.Upsample2D;
import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import io.easel.tensor.Nn.GroupNorm;
import io.easel.tensor.Nn.Linear;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import io.easel.tensor.Scopes;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * diffusers AutoencoderKL (the SD VAE). Encoding gives the diagonal Gaussian posterior; the
 * scaling factor is applied by the pipeline, not here.
 */
public final class AutoencoderKL extends Module {
    private final AutoencoderKLConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv, postQuantConv;

    public AutoencoderKL(AutoencoderKLConfig c) {
        this.config = c;
        encoder = child("encoder", new Encoder(c));
        decoder = child("decoder", new Decoder(c));
        quantConv = c.useQuantConv() ? child("quant_conv", new Conv2d(2 * c.latentChannels(), 2 * c.latentChannels(), 1, 0)) : null;
        postQuantConv = c.usePostQuantConv() ? child("post_quant_conv", new Conv2d(c.latentChannels(), c.latentChannels(), 1, 0)) : null;
    }

    public AutoencoderKLConfig config() { return config; }

    /** The posterior of an image: mean and log-variance (clamped to [-30, 20] as diffusers does). */
    public record Posterior(Tensor mean, Tensor logvar) {
        /** mean + exp(logvar / 2) * randn drawn from {@code g}. */
        public Tensor sample(Generator g) {
            Tensor eps = torch.randn(T.shape(mean), new GeneratorOptional(g), T.opts(torch.ScalarType.Float)).to(T.dtype(mean));
            return mean.add(torch.exp(logvar.mul(T.s(0.5))).mul(eps));
        }
    }

    // x: [N,3,H,W] in [-1,1] -> posterior over [N,4,H/8,W/8]
    public Posterior encode(Tensor x) {
        Tensor h = encoder.forward(x);
        if (quantConv != null) h = quantConv.forward(h);
        long c = config.latentChannels();
        Tensor mean = h.narrow(1, 0, c);
        Tensor logvar = torch.clamp(h.narrow(1, c, c), new org.bytedeco.pytorch.ScalarOptional(T.s(-30)), new org.bytedeco.pytorch.ScalarOptional(T.s(20)));
        return new Posterior(mean, logvar);
    }

    // z: [N,4,h,w] (already divided by the scaling factor) -> [N,3,8h,8w], not clamped
    public Tensor decode(Tensor z) {
        if (postQuantConv != null) z = postQuantConv.forward(z);
        return decoder.forward(z);
    }

    static final class Encoder extends Module {
        private final Conv2d convIn, convOut;
        private final ModuleList<DownEncoderBlock> downBlocks;
        private final MidBlock midBlock;
        private final GroupNorm convNormOut;

        Encoder(AutoencoderKLConfig c) {
            List<Integer> ch = c.blockOutChannels();
            convIn = child("conv_in", new Conv2d(c.inChannels(), ch.get(0), 3, 1));
            downBlocks = child("down_blocks", new ModuleList<>());
            int out = ch.get(0);
            for (int i = 0; i < ch.size(); i++) {
                int in = out;
                out = ch.get(i);
                downBlocks.add(new DownEncoderBlock(in, out, c.layersPerBlock(), c.normNumGroups(), i < ch.size() - 1));
            }
            int last = ch.get(ch.size() - 1);
            midBlock = child("mid_block", new MidBlock(last, c.normNumGroups(), c.midBlockAddAttention()));
            convNormOut = child("conv_norm_out", new GroupNorm(c.normNumGroups(), last, 1e-6));
            convOut = child("conv_out", new Conv2d(last, 2 * c.latentChannels(), 3, 1));
        }

        // x: [N,3,H,W] -> [N,2*latent,H/8,W/8]
        Tensor forward(Tensor x) {
            Tensor h = Scopes.run(() -> convIn.forward(x));
            for (DownEncoderBlock b : downBlocks) h = b.forward(h);
            h = midBlock.forward(h);
            Tensor last = h;
            return Scopes.run(() -> convOut.forward(Ops.silu(convNormOut.forward(last))));
        }
    }

    static final class Decoder extends Module {
        private final Conv2d convIn, convOut;
        private final ModuleList<UpDecoderBlock> upBlocks;
        private final MidBlock midBlock;
        private final GroupNorm convNormOut;

        Decoder(AutoencoderKLConfig c) {
            List<Integer> ch = c.blockOutChannels();
            int n = ch.size();
            int last = ch.get(n - 1);
            convIn = child("conv_in", new Conv2d(c.latentChannels(), last, 3, 1));
            midBlock = child("mid_block", new MidBlock(last, c.normNumGroups(), c.midBlockAddAttention()));
            upBlocks = child("up_blocks", new ModuleList<>());
            int out = last;
            for (int i = 0; i < n; i++) {
                int prev = out;
                out = ch.get(n - 1 - i);
                upBlocks.add(new UpDecoderBlock(prev, out, c.layersPerBlock() + 1, c.normNumGroups(), i < n - 1));
            }
            convNormOut = child("conv_norm_out", new GroupNorm(c.normNumGroups(), ch.get(0), 1e-6));
            convOut = child("conv_out", new Conv2d(ch.get(0), c.outChannels(), 3, 1));
        }

        // z: [N,latent,h,w] -> [N,3,8h,8w]
        Tensor forward(Tensor z) {
            Tensor h = Scopes.run(() -> convIn.forward(z));
            h = midBlock.forward(h);
            for (UpDecoderBlock b : upBlocks) h = b.forward(h);
            Tensor last = h;
            return Scopes.run(() -> convOut.forward(Ops.silu(convNormOut.forward(last))));
        }
    }

    static final class DownEncoderBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final Downsample2D downsampler;

        DownEncoderBlock(int in, int out, int layers, int groups, boolean downsample) {
            resnets = child("resnets", new ModuleList<>());
            for (int j = 0; j < layers; j++) resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, 0, groups, 1e-6));
            if (downsample) downsampler = child("downsamplers", new ModuleList<Downsample2D>()).add(new Downsample2D(out, 0));
            else downsampler = null;
        }

        Tensor forward(Tensor h) {
            for (ResnetBlock2D r : resnets) h = r.forward(h, null);
            return downsampler != null ? downsampler.forward(h) : h;
        }
    }

    static final class UpDecoderBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final Upsample2D upsampler;

        UpDecoderBlock(int in, int out, int layers, int groups, boolean upsample) {
            resnets = child("resnets", new ModuleList<>());
            for (int j = 0; j < layers; j++) resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, 0, groups, 1e-6));
            if (upsample) upsampler = child("upsamplers", new ModuleList<Upsample2D>()).add(new Upsample2D(out));
            else upsampler = null;
        }

        Tensor forward(Tensor h) {
            for (ResnetBlock2D r : resnets) h = r.forward(h, null);
            if (upsampler == null) return h;
            Tensor in = h;
            return Scopes.run(() -> upsampler.forward(in, null));
        }
    }

    /** UNetMidBlock2D: resnet, single-head spatial self-attention, resnet. */
    static final class MidBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final SpatialAttention attention;

        MidBlock(int ch, int groups, boolean addAttention) {
            resnets = child("resnets", new ModuleList<>());
            resnets.add(new ResnetBlock2D(ch, ch, 0, groups, 1e-6));
            attention = addAttention ? child("attentions", new ModuleList<SpatialAttention>()).add(new SpatialAttention(ch, groups)) : null;
            resnets.add(new ResnetBlock2D(ch, ch, 0, groups, 1e-6));
        }

        Tensor forward(Tensor h) {
            h = resnets.get(0).forward(h, null);
            if (attention != null) h = attention.forward(h);
            return resnets.get(1).forward(h, null);
        }
    }

    /** The VAE's attention: group norm, one head over all channels, residual. */
    static final class SpatialAttention extends Module {
        private final GroupNorm groupNorm;
        private final Linear toQ, toK, toV, toOut;

        SpatialAttention(int ch, int groups) {
            groupNorm = child("group_norm", new GroupNorm(groups, ch, 1e-6));
            toQ = child("to_q", new Linear(ch, ch));
            toK = child("to_k", new Linear(ch, ch));
            toV = child("to_v", new Linear(ch, ch));
            toOut = child("to_out", new ModuleList<Linear>()).add(new Linear(ch, ch));
        }

        // x: [N,C,H,W] -> [N,C,H,W]
        Tensor forward(Tensor x) {
            return Scopes.run(() -> forwardImpl(x));
        }

        private Tensor forwardImpl(Tensor x) {
            long n = x.size(0), c = x.size(1), hh = x.size(2), ww = x.size(3);
            Tensor h = groupNorm.forward(x).view(n, c, hh * ww).transpose(1, 2);
            Tensor a = Ops.attention(toQ.forward(h), toK.forward(h), toV.forward(h), 1);
            a = toOut.forward(a).transpose(1, 2).reshape(n, c, hh, ww);
            return a.add(x);
        }
    }
}
