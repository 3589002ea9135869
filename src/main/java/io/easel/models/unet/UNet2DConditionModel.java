package io.easel.models.unet;

import io.easel.models.layers.AttentionAdapter;
import io.easel.models.layers.Downsample2D;
import io.easel.models.layers.ResnetBlock2D;
import io.easel.models.layers.Timesteps;
import io.easel.models.layers.Transformer2DModel;
import io.easel.models.layers.Upsample2D;
import io.easel.tensor.Module;
import io.easel.tensor.Nn.Conv2d;
import io.easel.tensor.Nn.GroupNorm;
import io.easel.tensor.Nn.ModuleList;
import io.easel.tensor.Ops;
import io.easel.tensor.Scopes;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers UNet2DConditionModel for the Stable Diffusion 1.x/2.x topology: epsilon or v
 * prediction from a noisy latent, a timestep and a text context. ControlNet residuals and
 * extra attention inputs enter through {@link #forward(Tensor, Tensor, Tensor, ControlResiduals, AttentionAdapter)}.
 */
public final class UNet2DConditionModel extends Module {
    private final UNet2DConditionConfig config;
    private final Conv2d convIn, convOut;
    private final Timesteps.TimestepEmbedding timeEmbedding;
    private final ModuleList<DownBlock> downBlocks;
    private final MidBlock midBlock;
    private final ModuleList<UpBlock> upBlocks;
    private final GroupNorm convNormOut;

    public UNet2DConditionModel(UNet2DConditionConfig c) {
        this.config = c;
        List<Integer> ch = c.blockOutChannels();
        int temb = c.timeEmbedDim();
        convIn = child("conv_in", new Conv2d(c.inChannels(), ch.get(0), 3, 1));
        timeEmbedding = child("time_embedding", new Timesteps.TimestepEmbedding(ch.get(0), temb));
        downBlocks = child("down_blocks", new ModuleList<>());
        int out = ch.get(0);
        for (int i = 0; i < ch.size(); i++) {
            int in = out;
            out = ch.get(i);
            boolean last = i == ch.size() - 1;
            downBlocks.add(new DownBlock(c, i, in, out, !last, "down_blocks." + i));
        }
        midBlock = child("mid_block", new MidBlock(c, ch.get(ch.size() - 1), "mid_block"));
        upBlocks = child("up_blocks", new ModuleList<>());
        int n = ch.size();
        out = ch.get(n - 1);
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = ch.get(n - 1 - i);
            int in = ch.get(Math.max(n - 2 - i, 0));
            boolean last = i == n - 1;
            upBlocks.add(new UpBlock(c, i, in, out, prev, !last, "up_blocks." + i));
        }
        convNormOut = child("conv_norm_out", new GroupNorm(c.normNumGroups(), ch.get(0), c.normEps()));
        convOut = child("conv_out", new Conv2d(ch.get(0), c.outChannels(), 3, 1));
    }

    public UNet2DConditionConfig config() { return config; }

    /** Plain denoising: x [B,in,h,w], t [B] float timesteps, ctx [B,M,ctx] -> [B,out,h,w]. */
    public Tensor forward(Tensor x, Tensor t, Tensor ctx) { return forward(x, t, ctx, null, null); }

    /** The time embedding for timesteps t [B] in the model's dtype: [B, 4*C0]. */
    public Tensor timeEmbedding(Tensor t, org.bytedeco.pytorch.global.torch.ScalarType dtype) {
        Tensor f = Timesteps.sinusoidal(t, config.blockOutChannels().get(0), config.flipSinToCos(), config.freqShift());
        return timeEmbedding.forward(f.to(dtype));
    }

    // x: [B,in,h,w], t: [B], ctx: [B,M,ctx], residuals: 12 skips + mid or null -> [B,out,h,w]
    public Tensor forward(Tensor x, Tensor t, Tensor ctx, ControlResiduals residuals, AttentionAdapter adapter) {
        // 1. time
        Tensor emb = timeEmbedding(t, T.dtype(x));
        // 2. pre-process
        Tensor h = convIn.forward(x);
        // 3. down
        List<Tensor> skips = new ArrayList<>();
        skips.add(h);
        for (DownBlock blk : downBlocks) h = blk.forward(h, emb, ctx, adapter, skips);
        if (residuals != null) {
            if (residuals.down().size() != skips.size())
                throw new IllegalArgumentException("control residuals: " + residuals.down().size() + " down residuals for " + skips.size() + " skip connections");
            for (int i = 0; i < skips.size(); i++) skips.set(i, skips.get(i).add(residuals.down().get(i)));
        }
        // 4. mid
        h = midBlock.forward(h, emb, ctx, adapter);
        if (residuals != null) h = h.add(residuals.mid());
        // 5. up; odd latent sizes need the skip's size passed to each upsampler
        boolean forwardSize = x.size(2) % 8 != 0 || x.size(3) % 8 != 0;
        for (int i = 0; i < upBlocks.size(); i++) {
            UpBlock blk = upBlocks.get(i);
            int k = blk.resnets.size();
            List<Tensor> mine = new ArrayList<>(skips.subList(skips.size() - k, skips.size()));
            skips.subList(skips.size() - k, skips.size()).clear();
            long[] size = null;
            if (forwardSize && i < upBlocks.size() - 1) {
                Tensor s = skips.get(skips.size() - 1);
                size = new long[]{s.size(2), s.size(3)};
            }
            h = blk.forward(h, mine, emb, ctx, adapter, size);
        }
        // 6. post-process
        Tensor last = h;
        return Scopes.run(() -> convOut.forward(Ops.silu(convNormOut.forward(last))));
    }

    /** CrossAttnDownBlock2D or DownBlock2D: resnets (each followed by a transformer when cross-attention) and a downsampler. */
    public static final class DownBlock extends Module {
        final ModuleList<ResnetBlock2D> resnets;
        final ModuleList<Transformer2DModel> attentions;
        final Downsample2D downsampler;

        public DownBlock(UNet2DConditionConfig c, int index, int in, int out, boolean downsample, String path) {
            String type = c.downBlockTypes().get(index);
            boolean cross = switch (type) {
                case "CrossAttnDownBlock2D" -> true;
                case "DownBlock2D" -> false;
                default -> throw new IllegalArgumentException("unsupported down block type " + type);
            };
            resnets = child("resnets", new ModuleList<>());
            attentions = cross ? child("attentions", new ModuleList<>()) : null;
            for (int j = 0; j < c.layersPerBlock(); j++) {
                resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps()));
                if (cross) attentions.add(new Transformer2DModel(out, c.attentionHeadDim().get(index), c.crossAttentionDim(),
                        c.normNumGroups(), c.useLinearProjection(), path + ".attentions." + j));
            }
            if (downsample) {
                ModuleList<Downsample2D> d = child("downsamplers", new ModuleList<>());
                downsampler = d.add(new Downsample2D(out, 1));
            } else downsampler = null;
        }

        // h: [B,in,H,W] -> [B,out,H',W']; appends every output to skips
        public Tensor forward(Tensor h, Tensor emb, Tensor ctx, AttentionAdapter adapter, List<Tensor> skips) {
            for (int j = 0; j < resnets.size(); j++) {
                h = resnets.get(j).forward(h, emb);
                if (attentions != null) h = attentions.get(j).forward(h, ctx, adapter);
                skips.add(h);
            }
            if (downsampler != null) {
                h = downsampler.forward(h);
                skips.add(h);
            }
            return h;
        }
    }

    /** UNetMidBlock2DCrossAttn: resnet, transformer, resnet. */
    public static final class MidBlock extends Module {
        final ModuleList<ResnetBlock2D> resnets;
        final ModuleList<Transformer2DModel> attentions;

        public MidBlock(UNet2DConditionConfig c, int ch, String path) {
            List<Integer> heads = c.attentionHeadDim();
            resnets = child("resnets", new ModuleList<>());
            attentions = child("attentions", new ModuleList<>());
            resnets.add(new ResnetBlock2D(ch, ch, c.timeEmbedDim(), c.normNumGroups(), c.normEps()));
            attentions.add(new Transformer2DModel(ch, heads.get(heads.size() - 1), c.crossAttentionDim(), c.normNumGroups(),
                    c.useLinearProjection(), path + ".attentions.0"));
            resnets.add(new ResnetBlock2D(ch, ch, c.timeEmbedDim(), c.normNumGroups(), c.normEps()));
        }

        // h: [B,C,H,W] -> [B,C,H,W]
        public Tensor forward(Tensor h, Tensor emb, Tensor ctx, AttentionAdapter adapter) {
            h = resnets.get(0).forward(h, emb);
            h = attentions.get(0).forward(h, ctx, adapter);
            return resnets.get(1).forward(h, emb);
        }
    }

    /** CrossAttnUpBlock2D or UpBlock2D: layers+1 resnets over concatenated skips, transformers, an upsampler. */
    public static final class UpBlock extends Module {
        final ModuleList<ResnetBlock2D> resnets;
        final ModuleList<Transformer2DModel> attentions;
        final Upsample2D upsampler;

        UpBlock(UNet2DConditionConfig c, int index, int in, int out, int prev, boolean upsample, String path) {
            String type = c.upBlockTypes().get(index);
            boolean cross = switch (type) {
                case "CrossAttnUpBlock2D" -> true;
                case "UpBlock2D" -> false;
                default -> throw new IllegalArgumentException("unsupported up block type " + type);
            };
            List<Integer> heads = c.attentionHeadDim();
            int nHeads = heads.get(heads.size() - 1 - index);
            int layers = c.layersPerBlock() + 1;
            resnets = child("resnets", new ModuleList<>());
            attentions = cross ? child("attentions", new ModuleList<>()) : null;
            for (int j = 0; j < layers; j++) {
                int skip = j == layers - 1 ? in : out;
                int rin = j == 0 ? prev : out;
                resnets.add(new ResnetBlock2D(rin + skip, out, c.timeEmbedDim(), c.normNumGroups(), c.normEps()));
                if (cross) attentions.add(new Transformer2DModel(out, nHeads, c.crossAttentionDim(), c.normNumGroups(),
                        c.useLinearProjection(), path + ".attentions." + j));
            }
            if (upsample) {
                ModuleList<Upsample2D> u = child("upsamplers", new ModuleList<>());
                upsampler = u.add(new Upsample2D(out));
            } else upsampler = null;
        }

        // h: [B,prev,H,W], skips: this block's skip tensors (consumed last-first) -> [B,out,2H,2W]
        Tensor forward(Tensor h, List<Tensor> skips, Tensor emb, Tensor ctx, AttentionAdapter adapter, long[] upsampleSize) {
            for (int j = 0; j < resnets.size(); j++) {
                Tensor skip = skips.get(skips.size() - 1 - j), in = h;
                ResnetBlock2D r = resnets.get(j);
                h = Scopes.run(() -> r.forward(T.cat(List.of(in, skip), 1), emb));
                if (attentions != null) h = attentions.get(j).forward(h, ctx, adapter);
            }
            if (upsampler != null) {
                Tensor in = h;
                h = Scopes.run(() -> upsampler.forward(in, upsampleSize));
            }
            return h;
        }
    }
}
