package io.easel.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.javacpp.PointerScope;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs every {@code case.json} below a folder and prints one line per case:
 * {@code PASS|FAIL|SKIP <case path> <component> max_err=<value>} (annotator cases print
 * {@code f1=}), then {@code N passed, N failed, N skipped}.
 */
public final class ConformanceRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Status { PASS, FAIL, SKIP }

    /** One case's outcome. */
    public record Result(Status status, String casePath, String component, String metric, double value, String detail) {
        public String line() {
            String v = status == Status.SKIP ? "n/a" : String.format(Locale.ROOT, "%.3g", value);
            return status + " " + casePath + " " + component + " " + metric + "=" + v;
        }
    }

    /** All outcomes of a run. */
    public record Summary(List<Result> results) {
        public long count(Status s) { return results.stream().filter(r -> r.status == s).count(); }
        public String line() { return count(Status.PASS) + " passed, " + count(Status.FAIL) + " failed, " + count(Status.SKIP) + " skipped"; }
        public boolean ok() { return count(Status.FAIL) == 0; }
    }

    private final Map<String, CaseHandler> handlers = Handlers.all();

    /** Runs every case below {@code dir}, printing each line as it completes. */
    public Summary run(Path dir, PrintWriter out, boolean verbose) throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.walk(dir)) {
            cases = s.filter(p -> p.getFileName().toString().equals("case.json")).sorted().toList();
        }
        List<Result> results = new ArrayList<>();
        for (Path c : cases) {
            Result r = runCase(dir, c);
            results.add(r);
            out.println(r.line());
            if (verbose && r.detail != null && !r.detail.isEmpty()) out.println("  " + r.detail);
            out.flush();
        }
        Summary sum = new Summary(results);
        out.println(sum.line());
        return sum;
    }

    Result runCase(Path base, Path caseFile) {
        Path dir = caseFile.getParent();
        String rel = base.toAbsolutePath().normalize().relativize(dir.toAbsolutePath().normalize()).toString().replace('\\', '/');
        if (rel.isEmpty()) rel = dir.getFileName().toString();
        JsonNode json;
        try {
            json = JSON.readTree(caseFile.toFile());
        } catch (IOException e) {
            return new Result(Status.FAIL, rel, "?", "max_err", Double.POSITIVE_INFINITY, "unreadable case.json: " + e.getMessage());
        }
        String kind = json.path("kind").asText("?");
        CaseHandler h = handlers.get(kind);
        String component = h != null ? h.component(json) : kind;
        String metric = h != null ? h.metric() : "max_err";
        if (h == null) return new Result(Status.SKIP, rel, component, metric, 0, "kind '" + kind + "' is not implemented");
        try (PointerScope scope = new PointerScope(); CaseContext ctx = new CaseContext(dir, json)) {
            double v = h.run(ctx);
            boolean pass = ctx.failures().isEmpty();
            return new Result(pass ? Status.PASS : Status.FAIL, rel, component, metric, v, String.join("; ", ctx.failures()));
        } catch (Handlers.NotImplemented e) {
            return new Result(Status.SKIP, rel, component, metric, 0, e.getMessage());
        } catch (Exception | Error e) {
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            return new Result(Status.FAIL, rel, component, metric, Double.POSITIVE_INFINITY, msg);
        }
    }
}
