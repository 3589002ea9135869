package io.easel.train;

/** Derived seeds: independent streams from one run seed, so nothing depends on what ran before. */
public final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit seed for item {@code index} of stream {@code stream} (SplitMix64's finaliser). */
    public static long derive(long seed, long stream, long index) {
        long z = seed;
        z = mix(z + 0x9E3779B97F4A7C15L * (stream + 1));
        z = mix(z + 0x9E3779B97F4A7C15L * (index + 1));
        return z;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Stream of the per-micro-step generator seeds. */
    static final long STEP_STREAM = 1;
    /** Stream of the per-epoch shuffles. */
    static final long EPOCH_STREAM = 2;
}
