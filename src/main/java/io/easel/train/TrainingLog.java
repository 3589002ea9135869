package io.easel.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code train_log.jsonl}: one JSON object per optimizer step,
 * {@code {"step":..,"loss":..,"lr":..,"grad_norm":..,"steps_per_s":..,"time":..}}, flushed as it
 * is written. On resume the lines after the checkpoint's step are dropped, so that the log reads
 * as one uninterrupted run.
 */
public final class TrainingLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final List<StepRecord> records = new ArrayList<>();
    private BufferedWriter out;

    private TrainingLog(Path file) { this.file = file; }

    /** Opens the log, keeping the records of steps up to {@code keepThroughStep} (0: start empty). */
    public static TrainingLog open(Path file, long keepThroughStep) {
        TrainingLog log = new TrainingLog(file);
        try {
            if (keepThroughStep > 0 && Files.isRegularFile(file)) {
                for (StepRecord r : read(file)) if (r.step() <= keepThroughStep) log.records.add(r);
            }
            // rewrite atomically: a crash here leaves either the old log or the trimmed one
            Path tmp = file.resolveSibling(file.getFileName() + ".partial");
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (StepRecord r : log.records) { w.write(line(r)); w.write('\n'); }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the training log (" + e.getMessage() + ")", e);
        }
        return log;
    }

    /** Appends one step. */
    public void append(StepRecord r) {
        records.add(r);
        try {
            out.write(line(r));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the training log (" + e.getMessage() + ")", e);
        }
    }

    /** Every record so far, including those kept from before a resume. */
    public List<StepRecord> records() { return List.copyOf(records); }

    public Path file() { return file; }

    /** Parses a log file; a torn last line (a crash mid-write) is ignored. */
    public static List<StepRecord> read(Path file) throws IOException {
        List<StepRecord> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (l.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(l);
            } catch (IOException e) {
                continue;
            }
            if (n == null || !n.has("step")) continue;
            out.add(new StepRecord(n.get("step").asLong(), n.path("loss").asDouble(Double.NaN), n.path("lr").asDouble(),
                    n.path("grad_norm").asDouble(), n.path("steps_per_s").asDouble(), n.path("time").asDouble()));
        }
        return out;
    }

    static String line(StepRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", r.step());
        o.put("loss", r.loss());
        o.put("lr", r.lr());
        o.put("grad_norm", r.gradNorm());
        o.put("steps_per_s", r.stepsPerSecond());
        o.put("time", r.elapsedSeconds());
        return o.toString();
    }

    @Override public void close() {
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
        }
    }
}
