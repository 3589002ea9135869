package io.easel.sampling;

import io.easel.tensor.T;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Seeded noise: a libtorch CPU generator, so that a seed gives the very numbers PyTorch gives.
 * {@code new Rng(seed)} is {@code torch.manual_seed(seed)} on a fresh default generator; each
 * {@link #randn} continues the stream like successive {@code torch.randn(shape)} calls. Noise is
 * always drawn on the CPU (as diffusers does with a CPU generator) and moved where it is needed.
 */
public final class Rng {
    private final long seed;
    private final Generator generator;

    /** @param seed as {@code torch.manual_seed}; values above 2^63 are given as their two's complement */
    public Rng(long seed) {
        this.seed = seed;
        this.generator = torch.createCPUGenerator(seed);
    }

    public long seed() { return seed; }

    /** The underlying generator, for libtorch random ops other than {@link #randn}. */
    public Generator generator() { return generator; }

    /** Standard normal float32 values shaped {@code shape}, continuing the stream. */
    public Tensor randn(long... shape) {
        return torch.randn(shape, new GeneratorOptional(generator), T.opts(ScalarType.Float));
    }

    /**
     * Noise shaped like {@code ref}, drawn on the CPU in float32 and moved to {@code ref}'s device
     * and dtype (diffusers' {@code randn_tensor} with a CPU generator; for half-precision latents
     * diffusers draws in half precision, which gives other numbers).
     */
    public Tensor randnLike(Tensor ref) {
        Tensor n = randn(T.shape(ref));
        boolean same = ref.device().is_cpu() && T.dtype(ref).value == ScalarType.Float.value;
        return same ? n : n.to(ref);
    }
}
