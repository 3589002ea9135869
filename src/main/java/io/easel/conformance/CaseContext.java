package io.easel.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.easel.tensor.T;
import io.easel.weights.SafeTensors;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One case being run: its folder, its JSON, the golden root its model paths are relative to, and its data. */
public final class CaseContext implements AutoCloseable {
    public final Path dir;
    public final JsonNode json;
    public final Path root;
    private SafeTensors data;
    private double maxErr = 0;
    private final List<String> failures = new ArrayList<>();

    CaseContext(Path dir, JsonNode json) {
        this.dir = dir;
        this.json = json;
        this.root = findRoot(dir);
    }

    /** The nearest folder above the case that holds a {@code models/} folder. */
    static Path findRoot(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("models"))) return p;
        return dir.toAbsolutePath();
    }

    /** A weights path named in the case (relative to the golden root). */
    public Path model(String rel) { return root.resolve(rel); }

    /** Any other file named in the case (relative to the case folder). */
    public Path file(String rel) { return dir.resolve(rel); }

    public String str(String key) { return json.get(key).asText(); }

    public double tolerance() { return json.path("tolerance").asDouble(0); }

    /** A float32 tensor from the case's data file. */
    public Tensor data(String name) {
        if (data == null) data = SafeTensors.open(file(json.path("data").asText("data.safetensors")));
        return data.load(name).to(org.bytedeco.pytorch.global.torch.ScalarType.Float).clone();
    }

    /** err = max|A - E| / max(1, max|E|), recorded under {@code name}. */
    public double compare(String name, Tensor actual, Tensor expected) {
        long[] sa = T.shape(actual), se = T.shape(expected);
        if (!java.util.Arrays.equals(sa, se)) {
            failures.add(name + ": shape " + java.util.Arrays.toString(sa) + " != expected " + java.util.Arrays.toString(se));
            maxErr = Double.POSITIVE_INFINITY;
            return maxErr;
        }
        Tensor a = actual.to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
        double err = T.maxAbs(a.sub(expected)) / Math.max(1, T.maxAbs(expected));
        if (Double.isNaN(err)) err = Double.POSITIVE_INFINITY;
        if (err > tolerance()) failures.add(name + ": err " + err);
        maxErr = Math.max(maxErr, err);
        return err;
    }

    /** Compares against the data tensor named {@code dataName}. */
    public double compareData(String dataName, Tensor actual) { return compare(dataName, actual, data(dataName)); }

    public void fail(String why) { failures.add(why); }

    public double maxErr() { return maxErr; }

    public List<String> failures() { return failures; }

    @Override public void close() { if (data != null) data.close(); }
}
