package io.easel.pipeline;

import io.easel.models.unet.ControlResiduals;
import io.easel.models.vae.AutoencoderKL;
import io.easel.sampling.Denoiser;
import io.easel.sampling.Rng;
import io.easel.sampling.Sampler;
import io.easel.sampling.Schedule;
import io.easel.sampling.StepListener;
import io.easel.tensor.Scopes;
import io.easel.tensor.T;
import io.easel.text.ClipTokenizer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.List;

/**
 * txt2img and img2img with classifier-free guidance, with diffusers' StableDiffusionPipeline /
 * StableDiffusionImg2ImgPipeline semantics: the same seed gives the same latents as diffusers on CPU.
 */
public final class Diffusion {
    private Diffusion() {}

    /**
     * The outcome of a run.
     *
     * @param latents final latents [B,4,h,w] float32, before dividing by the scaling factor
     * @param images  decoded images [B,H,W,3] float32 in [0,1]
     */
    public record Result(Tensor latents, Tensor images) {}

    /**
     * Runs one generation.
     *
     * @param init     null for txt2img
     * @param controls residual sources (ControlNet units), summed; empty for none
     * @param listener told after every denoising step
     */
    public static Result run(StableDiffusion sd, Prompt prompt, Canvas canvas, SamplingSpec spec, InitImage init,
                             List<ResidualSource> controls, StepListener listener) {
        if (init != null && (init.pixels().size(2) != canvas.height() || init.pixels().size(3) != canvas.width()))
            throw new IllegalArgumentException("init image is " + init.pixels().size(3) + "x" + init.pixels().size(2)
                    + " but the output is " + canvas.width() + "x" + canvas.height());
        try (NoGradGuard g = new NoGradGuard()) {
            ScalarType dt = sd.dtype().scalarType();
            // 1. text: positive and negative get the same number of 75-token chunks
            ClipTokenizer tok = sd.tokenizer();
            List<long[]> cond = tok.chunks(prompt.text(), sd.padding());
            List<long[]> uncond = tok.chunks(prompt.negative(), sd.padding());
            int chunks = Math.max(cond.size(), uncond.size());
            cond = tok.padChunks(cond, chunks, sd.padding());
            uncond = tok.padChunks(uncond, chunks, sd.padding());
            boolean guided = spec.cfg() > 1;
            int b = canvas.batch();
            Tensor condCtx = sd.encode(cond, prompt.clipSkip()).expand(b, -1, -1);
            Tensor ctx = guided ? T.cat(List.of(sd.encode(uncond, prompt.clipSkip()).expand(b, -1, -1), condCtx), 0) : condCtx;
            ctx = ctx.to(dt).contiguous();

            // 2. schedule and starting latents, all noise from one generator
            Schedule plan = Schedule.plan(spec.sampler(), sd.scheduler(), spec.steps(), spec.eta());
            Rng rng = new Rng(spec.seed());
            long[] shape = canvas.latentShape(sd.vae().config().latentChannels(), sd.vaeScaleFactor());
            Tensor x;
            int start = 0;
            if (init == null) {
                x = rng.randn(shape).mul(T.s(plan.initNoiseSigma()));
            } else {
                AutoencoderKL.Posterior post = sd.vae().encode(init.pixels().to(dt));
                Tensor z = post.sample(rng.generator()).to(ScalarType.Float).mul(T.s(sd.scalingFactor()));
                z = b == 1 ? z : z.expand(b, -1, -1, -1).contiguous();
                Tensor noise = rng.randn(shape);
                start = plan.startIndex(init.strength());
                if (start >= plan.length())
                    throw new IllegalArgumentException("--strength " + init.strength() + " leaves no denoising step at " + spec.steps() + " steps");
                x = plan.addNoise(z, noise, start);
            }

            // 3. denoise; an inpainting UNet (9 input channels) also takes a mask and the masked image's
            //    latents: with nothing masked out these are A1111's "whole image masked" conditioning,
            //    a mask of ones and the latents of a mid-grey image
            Tensor extra = inpaintingConditioning(sd, canvas, dt);
            Tensor context = ctx;
            Denoiser denoiser = new Denoiser() {
                @Override public Tensor apply(Tensor xIn, double t) { return apply(xIn, t, 0, 1); }

                @Override public Tensor apply(Tensor xIn, double t, int i, int n) {
                    Tensor xi = xIn.to(dt);
                    if (extra != null) xi = T.cat(List.of(xi, extra), 1);
                    Tensor in = guided ? T.cat(List.of(xi, xi), 0) : xi;
                    Tensor tt = torch.full(new long[]{in.size(0)}, T.s(t), T.opts(ScalarType.Float));
                    ControlResiduals res = null;
                    for (ResidualSource c : controls) {
                        ControlResiduals r = c.residuals(in, tt, context, guided, i, n);
                        if (r != null) res = res == null ? r : res.plus(r);
                    }
                    Tensor out = sd.unet().forward(in, tt, context, res, null).to(ScalarType.Float);
                    if (!guided) return out;
                    Tensor u = out.narrow(0, 0, b), c = out.narrow(0, b, b);
                    return u.add(c.sub(u).mul(T.s(spec.cfg())));
                }
            };
            Tensor latents = Sampler.sample(plan, x, denoiser, rng, start, listener);

            // 4. decode
            Tensor images = decode(sd, latents);
            return new Result(latents, images);
        }
    }

    /** For a UNet with more input channels than latent ones: [B, mask + latents, h, w]; else null. */
    static Tensor inpaintingConditioning(StableDiffusion sd, Canvas canvas, ScalarType dt) {
        int in = sd.unet().config().inChannels(), latent = sd.vae().config().latentChannels();
        if (in == latent) return null;
        if (in != 2 * latent + 1)
            throw new IllegalArgumentException("UNet with " + in + " input channels: only 4 (plain) and 9 (inpainting) are supported");
        Tensor grey = torch.zeros(new long[]{1, 3, canvas.height(), canvas.width()}, T.opts(dt));
        Tensor z = sd.vae().encode(grey).mean().mul(T.s(sd.scalingFactor()));
        Tensor mask = torch.ones(new long[]{1, 1, canvas.height() / sd.vaeScaleFactor(), canvas.width() / sd.vaeScaleFactor()}, T.opts(dt));
        return T.cat(List.of(mask, z.to(dt)), 1).expand(canvas.batch(), -1, -1, -1).contiguous();
    }

    /** latents [B,4,h,w] -> images [B,H,W,3] in [0,1], one image at a time to bound memory. */
    public static Tensor decode(StableDiffusion sd, Tensor latents) {
        try (NoGradGuard g = new NoGradGuard()) {
            ScalarType dt = sd.dtype().scalarType();
            Tensor[] outs = new Tensor[(int) latents.size(0)];
            for (int i = 0; i < outs.length; i++) {
                Tensor z = latents.narrow(0, i, 1);
                outs[i] = Scopes.run(() -> {
                    Tensor img = sd.vae().decode(z.div(T.s(sd.scalingFactor())).to(dt)).to(ScalarType.Float);
                    return torch.clamp(img.div(T.s(2)).add(T.s(0.5)), new org.bytedeco.pytorch.ScalarOptional(T.s(0)),
                            new org.bytedeco.pytorch.ScalarOptional(T.s(1))).permute(0, 2, 3, 1).contiguous();
                });
            }
            return outs.length == 1 ? outs[0] : T.cat(List.of(outs), 0);
        }
    }
}
