package io.easel.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Trains the chosen parameters of one or more models with AdamW on an {@link Objective} over a
 * {@link BatchSource}, with libtorch autograd through the models' own forward code.
 *
 * <p>Each optimizer step runs {@code gradAccumulation} micro-batches (loss divided by their number,
 * gradients summed), clips the global gradient norm, applies AdamW at the scheduled learning rate
 * and drops the gradients. Micro-batch {@code m} takes examples {@code [m*B, (m+1)*B)} of the
 * {@link DataOrder} stream and draws its randomness from a CPU generator seeded with
 * {@code Seeds.derive(seed, 1, m)}: a step depends on nothing but the seed, its index and the
 * weights, so a run is reproducible and a resumed run continues bit for bit (same libtorch build
 * and thread count: front ends call {@code Native.init()} before training, as before inference).
 *
 * <p>Checkpoints ({@link TrainCheckpoint}) every {@code checkpointEvery} steps and at the end;
 * {@code train_log.jsonl} gets one line per step and {@code loss.png} is redrawn at every
 * checkpoint. Everything that could stop a run (an empty dataset, a checkpoint of another recipe or
 * architecture, settings that would break an exact resume) is checked before the first step.
 */
public final class Trainer<B> implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FORMAT = "easel-trainer/1";

    private final TrainerConfig cfg;
    private final List<Component> components;
    private final BatchSource<B> data;
    private final Objective<B> objective;
    private final TrainableParams params;
    private final AdamW optimizer;
    private final DataOrder order;
    private final List<Consumer<StepRecord>> listeners = new ArrayList<>();
    private PrintStream progressOut = System.err;
    private long step;
    private double elapsed;
    private boolean prepared;
    private TrainingLog log;
    private Path lastCheckpoint;
    private double lastLoss = Double.NaN;

    /**
     * Prepares training: copies the trainable parameters (see {@link TrainableParams}) and freezes
     * everything else in the components. Nothing is read from or written to the output folder yet.
     *
     * @throws IllegalArgumentException for an empty dataset, no trainable parameter, duplicate
     *         component names or a pattern that matches nothing
     */
    public Trainer(TrainerConfig cfg, List<Component> components, BatchSource<B> data, Objective<B> objective) {
        this.cfg = cfg;
        this.components = List.copyOf(components);
        this.data = data;
        this.objective = objective;
        if (data.size() < 1) throw new IllegalArgumentException("the dataset is empty: nothing to train on");
        Map<String, Param> chosen = new LinkedHashMap<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Component c : this.components) {
            if (!names.add(c.name())) throw new IllegalArgumentException("two components are named '" + c.name() + "'");
            Map<String, Param> sel = c.trainable().include().isEmpty() ? Map.of() : c.trainable().select(c.module());
            for (Map.Entry<String, Param> e : c.module().parameters().entrySet()) {
                if (sel.containsKey(e.getKey())) chosen.put(c.name() + "/" + e.getKey(), e.getValue());
                else if (e.getValue().isSet()) e.getValue().get().requires_grad_(false);
            }
        }
        if (chosen.isEmpty()) throw new IllegalArgumentException("no trainable parameters: every component is frozen");
        this.params = TrainableParams.prepare(chosen);
        this.optimizer = new AdamW(cfg.optimizer(), params);
        this.order = new DataOrder(cfg.seed(), data.size(), cfg.shuffle());
    }

    /** Called after every optimizer step (on the training thread). */
    public Trainer<B> onStep(Consumer<StepRecord> listener) {
        listeners.add(listener);
        return this;
    }

    /** Where the progress bar goes (standard error unless set). */
    public Trainer<B> progressTo(PrintStream out) {
        this.progressOut = out;
        return this;
    }

    public TrainableParams params() { return params; }

    public AdamW optimizer() { return optimizer; }

    /** Optimizer steps completed (after a resume, counted from the start of the run). */
    public long step() { return step; }

    /** The outcome of {@link #run}. */
    public record Result(long steps, double lastLoss, Path lastCheckpoint, boolean resumed) {}

    /** Trains to {@code maxSteps}. */
    public Result run() { return run(cfg.maxSteps()); }

    /**
     * Trains until {@code untilStep} optimizer steps are complete (at most {@code maxSteps}), writing
     * a checkpoint there; a later {@code run} (or a new trainer resuming from the folder) continues.
     */
    public Result run(long untilStep) {
        long until = Math.min(untilStep, cfg.maxSteps());
        boolean resumed = prepare();
        ProgressBar bar = cfg.progress() ? new ProgressBar(progressOut, cfg.maxSteps()) : null;
        while (step < until) {
            StepRecord r = trainStep();
            log.append(r);
            for (Consumer<StepRecord> l : listeners) l.accept(r);
            if (bar != null) bar.update(r);
            if (step % cfg.checkpointEvery() == 0 || step == cfg.maxSteps() || step == until) checkpoint();
        }
        if (bar != null) bar.finish();
        return new Result(step, lastLoss, lastCheckpoint, resumed);
    }

    /** One optimizer step: accumulate, clip, update. */
    private StepRecord trainStep() {
        long t0 = System.nanoTime();
        int k = cfg.gradAccumulation();
        double lr = cfg.lr(step);
        double lossSum = 0, norm;
        try (PointerScope scope = new PointerScope()) {
            for (int i = 0; i < k; i++) {
                long micro = step * k + i;
                B batch = data.batch(order.take(micro * cfg.batchSize(), cfg.batchSize()));
                Generator gen = torch.createCPUGenerator(Seeds.derive(cfg.seed(), Seeds.STEP_STREAM, micro));
                Tensor loss = objective.loss(batch, gen);
                double v = loss.item().toDouble();
                if (!Double.isFinite(v))
                    throw new IllegalStateException("loss is " + v + " at step " + (step + 1) + " (micro-batch " + i + "); lower the learning rate"
                            + (lastCheckpoint != null ? "; the last good checkpoint is " + lastCheckpoint : ""));
                lossSum += v;
                (k == 1 ? loss : loss.div(T.s(k))).backward();
            }
            List<Tensor> ts = params.tensors();
            norm = cfg.maxGradNorm() > 0 ? GradClip.clip(ts, cfg.maxGradNorm()) : GradClip.totalNorm(ts);
            optimizer.step(lr);
            params.zeroGrad();
        }
        step++;
        double dt = (System.nanoTime() - t0) / 1e9;
        elapsed += dt;
        lastLoss = lossSum / k;
        return new StepRecord(step, lastLoss, lr, norm, 1.0 / dt, elapsed);
    }

    /** Resumes or starts afresh; returns whether it resumed. Runs once. */
    private boolean prepare() {
        if (prepared) return false;
        prepared = true;
        Path out = cfg.outputDir();
        TrainCheckpoint.removePartials(out);
        Path latest = TrainCheckpoint.latest(out);
        boolean resumed = false;
        if (latest != null) {
            if (cfg.resume() == TrainerConfig.Resume.NEVER)
                throw new IllegalArgumentException(out + ": already holds checkpoints (latest " + latest.getFileName()
                        + "); resume from it or choose another output folder");
            resumeFrom(latest);
            resumed = true;
        }
        log = TrainingLog.open(out.resolve("train_log.jsonl"), step);
        return resumed;
    }

    /** Loads a checkpoint after checking that it belongs to this run. */
    private void resumeFrom(Path dir) {
        JsonNode s = TrainCheckpoint.readState(dir);
        String where = dir.resolve(TrainCheckpoint.STATE).toString();
        if (!FORMAT.equals(s.path("format").asText()))
            throw new IllegalArgumentException(where + ": not an Easel trainer checkpoint (format '" + s.path("format").asText() + "')");
        requireSame(where, "recipe", s.path("recipe").asText(), cfg.recipe());
        JsonNode tr = s.path("trainable");
        List<String> names = params.names();
        if (tr.size() != names.size())
            throw new IllegalArgumentException(where + ": the checkpoint trains " + tr.size() + " parameters, this run " + names.size()
                    + " (another architecture or parameter selection)");
        for (String n : names) {
            JsonNode shape = tr.get(n);
            if (shape == null) throw new IllegalArgumentException(where + ": the checkpoint does not train '" + n + "' (another architecture or parameter selection)");
            long[] want = T.shape(params.tensor(n));
            long[] got = new long[shape.size()];
            for (int i = 0; i < got.length; i++) got[i] = shape.get(i).asLong();
            if (!java.util.Arrays.equals(want, got))
                throw new IllegalArgumentException(where + ": '" + n + "' has shape " + java.util.Arrays.toString(got) + " there, " + java.util.Arrays.toString(want) + " here");
        }
        requireSame(where, "seed", s.path("seed").asLong(), cfg.seed());
        requireSame(where, "batch_size", s.path("batch_size").asInt(), cfg.batchSize());
        requireSame(where, "grad_accumulation", s.path("grad_accumulation").asInt(), cfg.gradAccumulation());
        requireSame(where, "shuffle", s.path("shuffle").asBoolean(), cfg.shuffle());
        requireSame(where, "dataset size", s.at("/dataset/size").asInt(), data.size());
        requireSame(where, "dataset fingerprint", s.at("/dataset/fingerprint").asText(), data.fingerprint());
        long st = s.path("step").asLong();
        if (st != TrainCheckpoint.stepOf(dir)) throw new IllegalArgumentException(where + ": step " + st + " does not match the folder name");
        if (st > cfg.maxSteps()) throw new IllegalArgumentException(where + ": the checkpoint is at step " + st + ", past max steps " + cfg.maxSteps());
        TrainCheckpoint.restoreComponents(dir, components);
        optimizer.loadState(TrainCheckpoint.readOptimizer(dir), dir.resolve(TrainCheckpoint.OPTIMIZER).toString());
        step = st;
        elapsed = s.path("elapsed_s").asDouble();
        lastLoss = s.path("loss").asDouble(Double.NaN);
        lastCheckpoint = dir;
    }

    private static void requireSame(String where, String what, Object there, Object here) {
        if (!there.equals(here))
            throw new IllegalArgumentException(where + ": the checkpoint was written with " + what + " " + there + ", this run has " + here
                    + "; an exact resume needs the same value");
    }

    /** Writes a checkpoint at the current step, prunes old ones and redraws the loss curve. */
    private void checkpoint() {
        lastCheckpoint = TrainCheckpoint.write(cfg.outputDir(), step, state().toPrettyString(), components, optimizer.state());
        TrainCheckpoint.prune(cfg.outputDir(), cfg.keepCheckpoints());
        LossCurve.write(cfg.outputDir().resolve("loss.png"), log.records(), cfg.recipe() + " loss");
    }

    private ObjectNode state() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("recipe", cfg.recipe());
        o.put("step", step);
        o.put("micro_step", step * cfg.gradAccumulation());
        o.put("examples_seen", step * cfg.gradAccumulation() * cfg.batchSize());
        o.put("epoch", (double) step * cfg.gradAccumulation() * cfg.batchSize() / data.size());
        o.put("seed", cfg.seed());
        o.put("batch_size", cfg.batchSize());
        o.put("grad_accumulation", cfg.gradAccumulation());
        o.put("shuffle", cfg.shuffle());
        o.put("max_steps", cfg.maxSteps());
        o.put("loss", lastLoss);
        o.put("elapsed_s", elapsed);
        o.put("rng", "CPU generator per micro-step, seeded from (seed, micro_step); data order from (seed, epoch)");
        ObjectNode ds = o.putObject("dataset");
        ds.put("size", data.size());
        ds.put("fingerprint", data.fingerprint());
        ObjectNode opt = o.putObject("optimizer");
        AdamWConfig a = cfg.optimizer();
        opt.put("type", "AdamW");
        opt.put("lr", a.lr());
        opt.putArray("betas").add(a.beta1()).add(a.beta2());
        opt.put("eps", a.eps());
        opt.put("weight_decay", a.weightDecay());
        ObjectNode lr = o.putObject("lr_schedule");
        lr.put("shape", cfg.lrSchedule().shape().cliName);
        lr.put("warmup_steps", cfg.lrSchedule().warmupSteps());
        lr.put("total_steps", cfg.lrSchedule().totalSteps());
        o.put("max_grad_norm", cfg.maxGradNorm());
        ObjectNode comps = o.putObject("components");
        for (Component c : components) comps.put(c.name(), c.module().getClass().getSimpleName());
        ObjectNode tr = o.putObject("trainable");
        for (String n : params.names()) {
            var arr = tr.putArray(n);
            for (long d : T.shape(params.tensor(n))) arr.add(d);
        }
        return o;
    }

    @Override public void close() {
        optimizer.close();
        if (log != null) log.close();
    }
}
