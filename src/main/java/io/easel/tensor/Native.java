package io.easel.tensor;

import org.bytedeco.pytorch.global.torch;

/**
 * Process-wide libtorch settings, applied once before any model runs.
 *
 * <ul>
 *   <li>NNPACK is off: it does not support these CPUs and only prints a warning.</li>
 *   <li>Intra-op threads default to the number of cores ({@code EASEL_THREADS} overrides).</li>
 * </ul>
 * Four settings must come from the environment before the JVM starts; the {@code easel}
 * launcher sets them (see README, "Performance settings"):
 * {@code OPENBLAS_NUM_THREADS=1} (libtorch already parallelises with OpenMP; two pools spinning
 * on the same cores made fp32 attention 3-4x slower), {@code ATEN_CPU_CAPABILITY=avx2} (this
 * libtorch build's AVX-512 exp/softmax kernels ran ~17x slower than its AVX2 ones on the AMD EPYC
 * machines we measured), {@code THP_MEM_ALLOC_ENABLE=1} (large tensors on huge pages: fresh
 * activations cost 512x fewer page faults) and glibc malloc settings that keep freed activation
 * buffers for reuse instead of unmapping them.
 */
public final class Native {
    private static boolean done;

    private Native() {}

    public static synchronized void init() {
        if (done) return;
        done = true;
        torch.globalContext().setUserEnabledNNPACK(false);
        String env = System.getenv("EASEL_THREADS");
        int threads = env != null && env.matches("\\d+") ? Integer.parseInt(env) : java.lang.Runtime.getRuntime().availableProcessors();
        torch.set_num_threads(Math.max(1, threads));
    }

    /** Sets the intra-op thread count (after {@link #init()}, which it runs). */
    public static synchronized void setThreads(int threads) {
        init();
        torch.set_num_threads(Math.max(1, threads));
    }
}
