package io.easel.train;

import java.nio.file.Path;

/** Child process of {@link KillResumeTest}: trains the tiny model, a checkpoint every step, slowly enough to be killed mid-run. */
public final class KillableRun {
    public static void main(String[] args) {
        Path out = Path.of(args[0]);
        // the parent's thread count: libtorch's reductions, and so the exact bits, depend on it
        org.bytedeco.pytorch.global.torch.set_num_threads(Integer.parseInt(args[1]));
        try (Trainer<Tiny.Batch> t = Tiny.trainer(out, Tiny.unet(1), Tiny.config(out).checkpointEvery(1).build())) {
            t.onStep(r -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.run();
        }
    }
}
