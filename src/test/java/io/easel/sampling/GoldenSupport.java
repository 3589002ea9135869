package io.easel.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Locates the golden reference cases (system property {@code easel.golden}) and measures errors as README.md says. */
final class GoldenSupport {
    private GoldenSupport() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** The case folders under {@code core/<kind>}, skipping the test when the golden data is absent. */
    static List<Path> cases(String kind) throws IOException {
        String root = System.getProperty("easel.golden");
        assumeTrue(root != null && Files.isDirectory(Path.of(root, "core", kind)), "golden data not found");
        try (Stream<Path> s = Files.list(Path.of(root, "core", kind))) {
            return s.filter(p -> Files.isRegularFile(p.resolve("case.json"))).sorted().collect(Collectors.toList());
        }
    }

    static JsonNode read(Path caseDir) throws IOException {
        return JSON.readTree(caseDir.resolve("case.json").toFile());
    }

    /** {@code max|A - E| / max(1, max|E|)}. */
    static double err(float[] a, float[] e) {
        if (a.length != e.length) return Double.POSITIVE_INFINITY;
        double maxDiff = 0, maxE = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]);
            if (!(d <= maxDiff)) maxDiff = d;  // NaN propagates
            maxE = Math.max(maxE, Math.abs(e[i]));
        }
        return maxDiff / Math.max(1, maxE);
    }

    static double err(Tensor a, Tensor e) { return err(T.toFloats(a), T.toFloats(e)); }

    static double err(double[] a, JsonNode e) {
        float[] af = new float[a.length], ef = new float[e.size()];
        for (int i = 0; i < a.length; i++) af[i] = (float) a[i];
        for (int i = 0; i < ef.length; i++) ef[i] = (float) e.get(i).asDouble();
        return err(af, ef);
    }
}
