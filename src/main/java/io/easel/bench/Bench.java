package io.easel.bench;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Native;
import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Speed and memory of the networks at real size, with random weights built in memory (no file
 * needed): per-step wall time after one warm-up, min and median, peak resident memory.
 */
public final class Bench {
    private Bench() {}

    /** What to measure. */
    public enum Target {
        UNET, VAE_DECODE, TEXT_ENCODER,
        /**
         * One optimizer step of the {@code controlnet} training recipe: text encoding with prompt
         * dropout, a latent draw (as from cached posteriors), the locked UNet with the ControlNet's
         * residuals forward and backward, gradient clipping and AdamW on every ControlNet parameter.
         */
        TRAIN_CONTROLNET
    }

    /**
     * @param arch   "sd15" or "sd21"
     * @param steps  measured repetitions (after one warm-up)
     */
    public record Spec(Target target, String arch, int width, int height, int batch, int steps, DType dtype, int controlNets) {
        public Spec(Target target, String arch, int width, int height, int batch, int steps, DType dtype) {
            this(target, arch, width, height, batch, steps, dtype, 0);
        }

        public Spec {
            if (controlNets < 0 || controlNets > 4) throw new IllegalArgumentException("--controlnets must be within 0..4");
            if (controlNets > 0 && target != Target.UNET) throw new IllegalArgumentException("--controlnets applies to the unet target");
            if (!arch.equals("sd15") && !arch.equals("sd21")) throw new IllegalArgumentException("--arch must be sd15 or sd21, got " + arch);
            if (width % 8 != 0 || height % 8 != 0 || width < 8 || height < 8)
                throw new IllegalArgumentException("--width and --height must be positive multiples of 8");
            if (batch < 1 || batch > 64) throw new IllegalArgumentException("--batch must be within 1..64");
            if (steps < 1 || steps > 1000) throw new IllegalArgumentException("--steps must be within 1..1000");
            if (target == Target.TRAIN_CONTROLNET && dtype != DType.FP32)
                throw new IllegalArgumentException("train-controlnet trains in fp32 (master weights), got --dtype " + dtype);
        }
    }

    /** Measured figures. */
    public record Result(Spec spec, double[] seconds, double warmup, long weightBytes, long peakRss, String loadBefore, String loadAfter, int threads) {
        public double min() { return Arrays.stream(seconds).min().orElse(Double.NaN); }
        public double median() {
            double[] s = seconds.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }

    public static Result run(Spec s, PrintWriter out) {
        Native.init();
        if (s.target() == Target.TRAIN_CONTROLNET) {
            String loadBefore = loadAvg();
            try (TrainingStep ts = TrainingStep.controlNet(s)) {
                return measure(s, ts.parameterCount(), ts.trainedCount(), ts::step, loadBefore, out);
            }
        }
        try (NoGradGuard g = new NoGradGuard()) {
            String loadBefore = loadAvg();
            boolean sd2 = s.arch().equals("sd21");
            Module model;
            Supplier<Tensor> step;
            long h = s.height() / 8, w = s.width() / 8;
            torch.manual_seed(0);
            switch (s.target()) {
                case UNET -> {
                    UNet2DConditionConfig c = sd2 ? UNet2DConditionConfig.SD21 : UNet2DConditionConfig.SD15;
                    UNet2DConditionModel u = new UNet2DConditionModel(c);
                    u.init(torch.createCPUGenerator(0), s.dtype(), true);
                    Tensor x = torch.randn(s.batch(), 4, h, w).to(s.dtype().scalarType());
                    Tensor ctx = torch.randn(s.batch(), 77, c.crossAttentionDim()).to(s.dtype().scalarType());
                    Tensor t = torch.full(new long[]{s.batch()}, T.s(500), T.opts(torch.ScalarType.Float));
                    model = u;
                    step = () -> u.forward(x, t, ctx);
                    if (s.controlNets() > 0) return withControlNets(s, u, c, x, t, ctx, loadBefore, out);
                }
                case VAE_DECODE -> {
                    AutoencoderKL v = new AutoencoderKL(AutoencoderKLConfig.SD);
                    v.init(torch.createCPUGenerator(0), s.dtype(), true);
                    Tensor z = torch.randn(s.batch(), 4, h, w).to(s.dtype().scalarType());
                    model = v;
                    step = () -> v.decode(z);
                }
                default -> {
                    CLIPTextModel te = new CLIPTextModel(sd2 ? CLIPTextConfig.SD2 : CLIPTextConfig.SD1);
                    te.init(torch.createCPUGenerator(0), s.dtype(), false);
                    long[] ids = new long[s.batch() * 77];
                    for (int i = 0; i < ids.length; i++) ids[i] = (i * 7919L) % 49408;
                    Tensor idt = T.fromLongs(ids, s.batch(), 77);
                    model = te;
                    step = () -> te.forward(idt, 1);
                }
            }
            try {
                return measure(s, model.parameterCount(), 0, step, loadBefore, out);
            } finally {
                model.close();
            }
        }
    }

    /**
     * Times one warm-up and {@code s.steps()} measured steps and prints them with the summary.
     *
     * @param trained parameters updated by a training step (0 for inference targets): their
     *                gradients and two AdamW moments are counted in the memory ratio's basis
     */
    private static Result measure(Spec s, long parameters, long trained, Supplier<Tensor> step, String loadBefore, PrintWriter out) {
        long weightBytes = parameters * s.dtype().bytes();
        out.printf(Locale.ROOT, "bench %s: %s %dx%d batch %d %s, %d threads, %.2f GB of weights (%,d parameters%s)%n",
                s.target().name().toLowerCase(Locale.ROOT).replace('_', '-'), s.arch(), s.width(), s.height(), s.batch(), s.dtype(),
                torch.get_num_threads(), weightBytes / 1e9, parameters,
                trained > 0 ? String.format(Locale.ROOT, ", %,d trained", trained) : "");
        out.println("machine load (1/5/15 min) before: " + loadBefore);
        double warm = time(step);
        out.printf(Locale.ROOT, "warm-up %.2f s%n", warm);
        double[] secs = new double[s.steps()];
        for (int i = 0; i < secs.length; i++) {
            secs[i] = time(step);
            out.printf(Locale.ROOT, "step %d: %.2f s%n", i + 1, secs[i]);
            out.flush();
        }
        Result r = new Result(s, secs, warm, weightBytes, Memory.peakRss(), loadBefore, loadAvg(), torch.get_num_threads());
        out.printf(Locale.ROOT, "min %.2f s, median %.2f s over %d steps; peak RSS %.2f GB (%.2fx the weights)%n",
                r.min(), r.median(), secs.length, r.peakRss() / 1e9, (double) r.peakRss() / weightBytes);
        out.println("machine load after: " + r.loadAfter());
        return r;
    }

    /** The UNet alone, then with 1..N ControlNets (residuals summed), in one run. */
    private static Result withControlNets(Spec s, UNet2DConditionModel u, UNet2DConditionConfig c, Tensor x, Tensor t, Tensor ctx,
                                          String loadBefore, PrintWriter out) {
        io.easel.models.controlnet.ControlNetConfig cc = io.easel.models.controlnet.ControlNetConfig.fromUNet(c);
        java.util.List<io.easel.models.controlnet.ControlNetModel> nets = new java.util.ArrayList<>();
        for (int i = 0; i < s.controlNets(); i++) {
            io.easel.models.controlnet.ControlNetModel n = new io.easel.models.controlnet.ControlNetModel(cc);
            n.init(torch.createCPUGenerator(i + 1), s.dtype(), true);
            nets.add(n);
        }
        Tensor cond = torch.rand(1, 3, s.height(), s.width()).to(s.dtype().scalarType());
        long weightBytes = (u.parameterCount() + nets.size() * nets.get(0).parameterCount()) * s.dtype().bytes();
        out.printf(Locale.ROOT, "bench unet + controlnets: %s %dx%d batch %d %s, %d threads, %.2f GB of weights (UNet + %d ControlNets of %,d parameters)%n",
                s.arch(), s.width(), s.height(), s.batch(), s.dtype(), torch.get_num_threads(), weightBytes / 1e9, nets.size(), nets.get(0).parameterCount());
        out.println("machine load (1/5/15 min) before: " + loadBefore);
        double[] medians = new double[nets.size() + 1];
        double[] all = null;
        double warm = 0;
        for (int k = 0; k <= nets.size(); k++) {
            int units = k;
            Supplier<Tensor> step = () -> {
                io.easel.models.unet.ControlResiduals r = null;
                for (int i = 0; i < units; i++) {
                    io.easel.models.unet.ControlResiduals ri = nets.get(i).forward(x, t, ctx, cond, 1.0, io.easel.models.controlnet.ControlNetModel.SoftWeights.NONE);
                    r = r == null ? ri : r.plus(ri);
                }
                return u.forward(x, t, ctx, r, null);
            };
            warm = time(step);
            double[] secs = new double[s.steps()];
            for (int i = 0; i < secs.length; i++) secs[i] = time(step);
            Result r = new Result(s, secs, warm, weightBytes, Memory.peakRss(), loadBefore, loadAvg(), torch.get_num_threads());
            medians[k] = r.median();
            out.printf(Locale.ROOT, "UNet + %d ControlNet%s: steps %s s; min %.2f s, median %.2f s%s%n", k, k == 1 ? "" : "s",
                    java.util.Arrays.toString(java.util.Arrays.stream(secs).map(v -> Math.round(v * 100) / 100.0).toArray()), r.min(), r.median(),
                    k == 0 ? "" : String.format(Locale.ROOT, " (+%.2f s, +%.0f%% of the plain step per unit)", r.median() - medians[0],
                            100 * (r.median() - medians[0]) / k / medians[0]));
            out.flush();
            all = secs;
        }
        Result r = new Result(s, all, warm, weightBytes, Memory.peakRss(), loadBefore, loadAvg(), torch.get_num_threads());
        out.printf(Locale.ROOT, "peak RSS %.2f GB (%.2fx the weights); machine load after: %s%n", r.peakRss() / 1e9, (double) r.peakRss() / weightBytes, r.loadAfter());
        nets.forEach(io.easel.models.controlnet.ControlNetModel::close);
        u.close();
        return r;
    }

    private static double time(Supplier<Tensor> step) {
        try (PointerScope scope = new PointerScope()) {
            long t0 = System.nanoTime();
            Tensor y = step.get();
            y.sum().item();
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    static String loadAvg() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + " " + p[1] + " " + p[2] + " (" + java.lang.Runtime.getRuntime().availableProcessors() + " cores)";
        } catch (Exception e) {
            return "unknown";
        }
    }

}
