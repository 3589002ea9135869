package io.easel.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import io.easel.weights.SafeTensors;
import io.easel.weights.TensorInfo;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoint folders of a training run, {@code <output>/checkpoint-<step>/}:
 * <pre>
 *   &lt;component&gt;/diffusion_pytorch_model.safetensors   weights, published key layout
 *   &lt;component&gt;/config.json                           when the recipe gives one
 *   optimizer.safetensors                               AdamW moments and step counts
 *   trainer_state.json                                  step, seed, data position, run settings
 * </pre>
 * A checkpoint is written into a hidden {@code .checkpoint-<step>.partial} folder, every file is
 * flushed to disk, and the folder is then renamed in one atomic step: a run killed at any moment
 * leaves either a complete checkpoint or none, never a torn one.
 */
public final class TrainCheckpoint {
    private TrainCheckpoint() {}

    static final String STATE = "trainer_state.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The complete checkpoints under {@code out}, oldest first. */
    public static List<Path> list(Path out) {
        if (!Files.isDirectory(out)) return List.of();
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparingLong(TrainCheckpoint::stepOf)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot list checkpoints (" + e.getMessage() + ")", e);
        }
    }

    /** The newest complete checkpoint under {@code out}, or null. */
    public static Path latest(Path out) {
        List<Path> all = list(out);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** The step a checkpoint folder's name carries. */
    public static long stepOf(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(dir + ": not a checkpoint folder (expected checkpoint-<step>)");
        return Long.parseLong(m.group(1));
    }

    /** Reads {@code trainer_state.json}. */
    public static JsonNode readState(Path dir) {
        Path f = dir.resolve(STATE);
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": unreadable trainer state (" + e.getMessage() + ")", e);
        }
    }

    /** Removes folders a killed run left half-written. */
    static void removePartials(Path out) {
        if (!Files.isDirectory(out)) return;
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\.checkpoint-\\d+\\.partial")).toList()) deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot clean up partial checkpoints (" + e.getMessage() + ")", e);
        }
    }

    /** Writes checkpoint {@code step} and returns its folder. */
    static Path write(Path out, long step, String stateJson, List<Component> components, Map<String, Tensor> optimizerState) {
        Path dir = out.resolve("checkpoint-" + step);
        Path tmp = out.resolve(".checkpoint-" + step + ".partial");
        try {
            Files.createDirectories(out);
            if (Files.exists(tmp)) deleteTree(tmp);
            Files.createDirectories(tmp);
            List<Path> written = new ArrayList<>();
            try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
                for (Component c : components) {
                    Path cd = tmp.resolve(c.name());
                    Files.createDirectories(cd);
                    Map<String, Tensor> w = new LinkedHashMap<>();
                    for (Map.Entry<String, Param> e : c.module().parameters().entrySet()) w.put(e.getKey(), e.getValue().get().detach());
                    Path wf = cd.resolve(c.weightsFile());
                    SafeTensors.write(wf, w, Map.of("format", "pt"));
                    written.add(wf);
                    if (c.configJson() != null) {
                        Path cf = cd.resolve("config.json");
                        Files.writeString(cf, c.configJson(), StandardCharsets.UTF_8);
                        written.add(cf);
                    }
                }
                Path of = tmp.resolve(OPTIMIZER);
                SafeTensors.write(of, optimizerState, Map.of("format", "easel-adamw"));
                written.add(of);
            }
            Path sf = tmp.resolve(STATE);
            Files.writeString(sf, stateJson, StandardCharsets.UTF_8);
            written.add(sf);
            for (Path p : written) fsync(p);
            fsync(tmp);
            if (Files.exists(dir)) deleteTree(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            fsync(out);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Copies a checkpoint's weights into the components' parameters, in place (the tensors keep
     * their identity and their gradient flags).
     *
     * @throws IllegalArgumentException naming the file and the first missing, unexpected or
     *         mis-shaped key: a checkpoint of another architecture
     */
    static void restoreComponents(Path dir, List<Component> components) {
        for (Component c : components) {
            Path wf = dir.resolve(c.name()).resolve(c.weightsFile());
            if (!Files.isRegularFile(wf)) throw new IllegalArgumentException(wf + ": missing; the checkpoint has no component '" + c.name() + "'");
            Map<String, Param> params = c.module().parameters();
            try (SafeTensors st = SafeTensors.open(wf); NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
                for (String k : st.infos().keySet())
                    if (!params.containsKey(k)) throw new IllegalArgumentException(wf + ": unexpected key '" + k + "' (a checkpoint of another architecture?)");
                for (Map.Entry<String, Param> e : params.entrySet()) {
                    TensorInfo info = st.infos().get(e.getKey());
                    if (info == null) throw new IllegalArgumentException(wf + ": missing key '" + e.getKey() + "' (a checkpoint of another architecture?)");
                    if (!Arrays.equals(info.shape(), e.getValue().shape()))
                        throw new IllegalArgumentException(wf + ": key '" + e.getKey() + "' has shape " + info.shapeString()
                                + " but the model has " + Arrays.toString(e.getValue().shape()));
                }
                for (Map.Entry<String, Param> e : params.entrySet()) {
                    Tensor dst = e.getValue().get();
                    Tensor src = st.load(e.getKey());
                    if (T.dtype(src).value != T.dtype(dst).value)
                        throw new IllegalArgumentException(wf + ": key '" + e.getKey() + "' is " + T.dtype(src) + " but the model holds " + T.dtype(dst));
                    dst.copy_(src);
                }
            }
        }
    }

    /** Reads the optimizer state of a checkpoint (copies, independent of the file). */
    static Map<String, Tensor> readOptimizer(Path dir) {
        Path f = dir.resolve(OPTIMIZER);
        if (!Files.isRegularFile(f)) throw new IllegalArgumentException(f + ": missing optimizer state");
        return SafeTensors.readAll(f);
    }

    /** Deletes all but the newest {@code keep} checkpoints (keep 0: none deleted). */
    static void prune(Path out, int keep) {
        if (keep <= 0) return;
        List<Path> all = list(out);
        for (int i = 0; i < all.size() - keep; i++) {
            try {
                deleteTree(all.get(i));
            } catch (IOException e) {
                throw new UncheckedIOException(all.get(i) + ": cannot delete old checkpoint (" + e.getMessage() + ")", e);
            }
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(p)) throw e; // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
