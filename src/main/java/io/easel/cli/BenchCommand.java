package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code easel bench unet|vae-decode|text-encoder|train-controlnet}. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time a network at real size with random weights (no file needed): per-step seconds after a warm-up, min and median, peak RSS.")
final class BenchCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TARGET", description = "unet, vae-decode, text-encoder, or train-controlnet (one optimizer step of the controlnet recipe, fp32)") String target;
    @Option(names = "--arch", description = "sd15 or sd21 (default: ${DEFAULT-VALUE}).", defaultValue = "sd15") String arch;
    @Option(names = {"-W", "--width"}, defaultValue = "512", description = "Image width (default: ${DEFAULT-VALUE}).") int width;
    @Option(names = {"-H", "--height"}, defaultValue = "512", description = "Image height (default: ${DEFAULT-VALUE}).") int height;
    @Option(names = {"-b", "--batch"}, defaultValue = "2", description = "Batch (default: ${DEFAULT-VALUE}, a CFG pair).") int batch;
    @Option(names = "--steps", defaultValue = "5", description = "Measured steps after the warm-up (default: ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).") String dtype;
    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads, 0 for all cores (default: ${DEFAULT-VALUE}).") int threads;
    @Option(names = "--controlnets", defaultValue = "0", description = "Also time the UNet with 1..N ControlNets, in the same run (default: ${DEFAULT-VALUE}).") int controlNets;

    @Override
    public Integer call() {
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        Easel.bench(target, arch, width, height, batch, steps, dtype, controlNets, threads, spec.commandLine().getOut());
        return 0;
    }
}
