package io.easel.models.controlnet;

import io.easel.models.layers.Timesteps;
import io.easel.models.unet.ControlResiduals;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.unet.UNet2DConditionModel.DownBlock;
import io.easel.models.unet.UNet2DConditionModel.MidBlock;
import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import io.easel.tensor.Param;
import io.easel.tensor.Scopes;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * diffusers ControlNetModel: a trainable copy of the UNet's encoder (conv_in, time embedding,
 * down blocks, middle block, built by {@link UNet2DConditionModel}'s own {@link DownBlock} and
 * {@link MidBlock}) fed with the latent plus an embedded condition image, whose 12 skip outputs
 * and middle-block output pass through zero-initialised 1x1 convolutions to become the
 * {@link ControlResiduals} the locked UNet adds to its own.
 *
 * <p>Submodules carry diffusers' key names ({@code controlnet_cond_embedding},
 * {@code controlnet_down_blocks.N}, {@code controlnet_mid_block}); original-layout files are
 * mapped to them by {@code weights.KeyMaps.controlNet}.
 */
public final class ControlNetModel extends Module {
    private final ControlNetConfig config;
    private final UNet2DConditionConfig encoder;
    private final Conv2d convIn;
    private final Timesteps.TimestepEmbedding timeEmbedding;
    private final ConditioningEmbedding condEmbedding;
    private final ModuleList<DownBlock> downBlocks;
    private final ModuleList<Conv2d> zeroConvs;
    private final MidBlock midBlock;
    private final Conv2d zeroConvMid;

    /**
     * How the residuals are weighted by depth before the conditioning scale, residual i of n
     * (n = 13 for SD: the 12 skips, then the middle block). "Guess mode" (soft weights) in its
     * two published conventions, which agree to three decimals but not bit for bit.
     */
    public enum SoftWeights {
        /** Every residual at weight 1. */
        NONE,
        /**
         * diffusers' guess mode: {@code torch.logspace(-1, 0, n)[i]} = 10^((i - (n-1)) / (n-1)),
         * i.e. 10^((i-12)/12) for SD: 0.1 for the first skip ... 1.0 for the middle block.
         */
        DIFFUSERS_LOGSPACE,
        /**
         * The original ControlNet's and A1111 sd-webui-controlnet's soft weights:
         * {@code 0.825 ** (n-1 - i)}, i.e. 0.825^(12-i) for SD (0.0994 ... 1.0).
         */
        ORIGINAL_0825;

        /** The weight of residual {@code i} of {@code n} (skips first, middle block last). */
        public double weight(int i, int n) {
            if (i < 0 || i >= n) throw new IndexOutOfBoundsException("residual " + i + " of " + n);
            return switch (this) {
                case NONE -> 1.0;
                case DIFFUSERS_LOGSPACE -> n == 1 ? 1.0 : Math.pow(10, (double) (i - (n - 1)) / (n - 1));
                case ORIGINAL_0825 -> Math.pow(0.825, n - 1 - i);
            };
        }

        /** All n weights, skips first, middle block last. */
        public double[] weights(int n) {
            double[] w = new double[n];
            for (int i = 0; i < n; i++) w[i] = weight(i, n);
            return w;
        }
    }

    public ControlNetModel(ControlNetConfig c) {
        this.config = c;
        this.encoder = c.encoder();
        List<Integer> ch = c.blockOutChannels();
        convIn = child("conv_in", new Conv2d(c.inChannels(), ch.get(0), 3, 1));
        timeEmbedding = child("time_embedding", new Timesteps.TimestepEmbedding(ch.get(0), encoder.timeEmbedDim()));
        condEmbedding = child("controlnet_cond_embedding",
                new ConditioningEmbedding(c.conditioningChannels(), c.conditioningEmbeddingOutChannels(), ch.get(0)));
        downBlocks = child("down_blocks", new ModuleList<>());
        zeroConvs = child("controlnet_down_blocks", new ModuleList<>());
        zeroConvs.add(new Conv2d(ch.get(0), ch.get(0), 1, 0));
        int out = ch.get(0);
        for (int i = 0; i < ch.size(); i++) {
            int in = out;
            out = ch.get(i);
            boolean last = i == ch.size() - 1;
            downBlocks.add(new DownBlock(encoder, i, in, out, !last, "down_blocks." + i));
            // One zero conv per skip this block emits: one per layer, one for its downsampler.
            for (int j = 0; j < c.layersPerBlock() + (last ? 0 : 1); j++) zeroConvs.add(new Conv2d(out, out, 1, 0));
        }
        int deepest = ch.get(ch.size() - 1);
        midBlock = child("mid_block", new MidBlock(encoder, deepest, "mid_block"));
        zeroConvMid = child("controlnet_mid_block", new Conv2d(deepest, deepest, 1, 0));
    }

    public ControlNetConfig config() { return config; }

    /**
     * A ControlNet initialised from a UNet, as diffusers' {@code ControlNetModel.from_unet} and
     * training do: conv_in, time embedding, down blocks and middle block are copies of the
     * UNet's; the hint network is freshly initialised from {@code g} with its last convolution
     * zeroed; every zero convolution is zero. Its residuals are therefore exactly zero and it
     * leaves the UNet's output unchanged until trained. The UNet must not have been packed for
     * inference (its dense weights are read).
     */
    public static ControlNetModel fromUNet(UNet2DConditionModel unet, ControlNetConfig config, Generator g) {
        String why = config.mismatch(unet.config());
        if (why != null) throw new IllegalArgumentException(why);
        Map<String, Param> src = unet.parameters();
        DType dtype = DType.of(T.dtype(src.get("conv_in.weight").get()));
        ControlNetModel m = new ControlNetModel(config);
        m.init(g, dtype);
        for (Map.Entry<String, Param> e : m.parameters().entrySet()) {
            String k = e.getKey();
            if (!(k.startsWith("conv_in.") || k.startsWith("time_embedding.") || k.startsWith("down_blocks.") || k.startsWith("mid_block.")))
                continue;
            Param from = src.get(k);
            if (from == null) throw new IllegalArgumentException("the UNet has no parameter '" + k + "' to copy into the ControlNet");
            e.getValue().set(from.get().clone());
        }
        m.zeroConvolutions();
        return m;
    }

    /** {@link #fromUNet(UNet2DConditionModel, ControlNetConfig, Generator)} with the published hint network (diffusers' defaults). */
    public static ControlNetModel fromUNet(UNet2DConditionModel unet, Generator g) {
        return fromUNet(unet, ControlNetConfig.fromUNet(unet.config()), g);
    }

    /**
     * Zeroes what diffusers zero-initialises: every {@code controlnet_down_blocks} conv, the
     * {@code controlnet_mid_block} conv and the hint network's {@code conv_out}.
     */
    public void zeroConvolutions() {
        List<Conv2d> zero = new ArrayList<>();
        for (Conv2d c : zeroConvs) zero.add(c);
        zero.add(zeroConvMid);
        zero.add(condEmbedding.convOut);
        for (Conv2d c : zero) {
            c.weight.set(torch.zeros_like(c.weight.get()));
            if (c.bias != null) c.bias.set(torch.zeros_like(c.bias.get()));
        }
    }

    /**
     * The residuals for one denoising step.
     *
     * @param x     the noisy latent [B,in,h,w] (the UNet's input)
     * @param t     timesteps [B]
     * @param ctx   text context [B,M,crossAttentionDim]
     * @param cond  the condition image [B,conditioningChannels,8h,8w], RGB in [0,1] (flipped here
     *              for BGR-trained networks); batch 1 is broadcast over B
     * @param scale the conditioning scale (the unit's weight)
     * @param soft  depth weights applied with the scale; note diffusers skips its log-spaced weights
     *              for {@code global_pool_conditions} networks, which is the caller's choice here
     * @return 12 down residuals and the middle one (for SD), multiplied by scale and soft weights;
     *         averaged over height and width for {@code global_pool_conditions} networks
     */
    // x: [B,in,h,w], t: [B], ctx: [B,M,D], cond: [B,3,8h,8w] -> 12 x [B,C_i,h_i,w_i] + [B,C,h/8,w/8]
    public ControlResiduals forward(Tensor x, Tensor t, Tensor ctx, Tensor cond, double scale, SoftWeights soft) {
        if (cond.dim() != 4 || cond.size(1) != config.conditioningChannels())
            throw new IllegalArgumentException("condition image has shape " + T.shapeString(cond) + ", expected [B," + config.conditioningChannels() + ",H,W]");
        int factor = 1 << (config.conditioningEmbeddingOutChannels().size() - 1);
        if (cond.size(2) != x.size(2) * factor || cond.size(3) != x.size(3) * factor)
            throw new IllegalArgumentException("condition image is " + cond.size(3) + "x" + cond.size(2) + " but the latent is "
                    + x.size(3) + "x" + x.size(2) + ": the image must be " + factor + "x the latent size");
        // 1. time
        Tensor emb = Scopes.run(() -> {
            Tensor f = Timesteps.sinusoidal(t, config.blockOutChannels().get(0), config.flipSinToCos(), config.freqShift());
            return timeEmbedding.forward(f.to(T.dtype(x)));
        });
        // 2. pre-process: the latent and the embedded condition, added
        Tensor h = Scopes.run(() -> {
            Tensor c = cond.to(T.dtype(x));
            if (config.controlnetConditioningChannelOrder() == ControlNetConfig.ChannelOrder.BGR) c = c.flip(1);
            return convIn.forward(x).add(condEmbedding.forward(c));
        });
        // 3. down
        List<Tensor> skips = new ArrayList<>();
        skips.add(h);
        for (DownBlock blk : downBlocks) h = blk.forward(h, emb, ctx, null, skips);
        // 4. mid
        h = midBlock.forward(h, emb, ctx, null);
        // 5. zero convs, depth weights, scale, pooling
        int n = skips.size() + 1;
        if (skips.size() != zeroConvs.size())
            throw new IllegalStateException(skips.size() + " skips for " + zeroConvs.size() + " zero convolutions");
        double[] w = (soft == null ? SoftWeights.NONE : soft).weights(n);
        List<Tensor> down = new ArrayList<>(skips.size());
        for (int i = 0; i < skips.size(); i++) down.add(residual(zeroConvs.get(i), skips.get(i), w[i] * scale));
        Tensor mid = residual(zeroConvMid, h, w[n - 1] * scale);
        return new ControlResiduals(down, mid);
    }

    private Tensor residual(Conv2d zeroConv, Tensor skip, double factor) {
        return Scopes.run(() -> {
            Tensor r = zeroConv.forward(skip).mul(T.s(factor));
            return config.globalPoolConditions() ? r.mean(new long[]{2, 3}, true, new org.bytedeco.pytorch.ScalarTypeOptional()) : r;
        });
    }

    /**
     * diffusers ControlNetConditioningEmbedding (the original's {@code input_hint_block}): conv_in,
     * then per stage a conv at the stage's width and a stride-2 conv to the next width, SiLU after
     * each, and a (zero-initialised) conv_out to the UNet's first width. Three stride-2 convs take
     * the image to latent size.
     */
    public static final class ConditioningEmbedding extends Module {
        private final Conv2d convIn;
        private final ModuleList<Conv2d> blocks;
        final Conv2d convOut;

        public ConditioningEmbedding(int conditioningChannels, List<Integer> channels, int out) {
            convIn = child("conv_in", new Conv2d(conditioningChannels, channels.get(0), 3, 1));
            blocks = child("blocks", new ModuleList<>());
            for (int i = 0; i < channels.size() - 1; i++) {
                blocks.add(new Conv2d(channels.get(i), channels.get(i), 3, 1));
                blocks.add(new Conv2d(channels.get(i), channels.get(i + 1), 3, 2, 1, true));
            }
            convOut = child("conv_out", new Conv2d(channels.get(channels.size() - 1), out, 3, 1));
        }

        // cond: [B,Cc,H,W] -> [B,out,H/2^(stages-1),W/2^(stages-1)]
        public Tensor forward(Tensor cond) {
            return Scopes.run(() -> {
                Tensor e = Ops.silu(convIn.forward(cond));
                for (Conv2d b : blocks) e = Ops.silu(b.forward(e));
                return convOut.forward(e);
            });
        }
    }
}
