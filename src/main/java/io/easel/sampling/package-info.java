/**
 * Sampling: seeded noise ({@link io.easel.sampling.Rng}), scheduler configs
 * ({@link io.easel.sampling.SchedulerConfig}), inference schedules
 * ({@link io.easel.sampling.Schedule}) and the samplers that walk them
 * ({@link io.easel.sampling.Sampler}), reproducing diffusers' DDIM, Euler, Euler ancestral and
 * DPM++ 2M (Karras) schedulers in float32.
 *
 * <p>Usage, txt2img:
 * <pre>{@code
 * Schedule plan = Schedule.plan(SamplerKind.EULER_A, SchedulerConfig.SD15, 30);
 * Rng rng = new Rng(seed);
 * Tensor x = rng.randn(1, 4, h, w).mul(T.s(plan.initNoiseSigma()));
 * Tensor latents = Sampler.sample(plan, x, denoiser, rng);
 * }</pre>
 * img2img: {@code int k = plan.startIndex(strength); x = plan.addNoise(initLatents, rng.randn(...), k);
 * Sampler.sample(plan, x, denoiser, rng, k, listener)}.
 *
 * <p>Samplers see only a {@link io.easel.sampling.Denoiser}; the step's position ({@code i} of
 * {@code n}, for ControlNet's start/end) reaches it through
 * {@link io.easel.sampling.Denoiser#apply(org.bytedeco.pytorch.Tensor, double, int, int)}.
 * Latents are float32. This package imports only {@code io.easel.tensor}.
 */
package io.easel.sampling;
