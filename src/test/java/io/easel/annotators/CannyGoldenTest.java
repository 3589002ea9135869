package io.easel.annotators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The golden Canny cases: OpenCV's output on photographs, compared by edge F1. */
class CannyGoldenTest {

    static Path cannyCases() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null, "easel.golden not set");
        Path dir = Path.of(g, "annotators", "canny");
        assumeTrue(Files.isDirectory(dir), "no golden canny cases at " + dir);
        return dir;
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        Path dir = cannyCases();
        List<Path> cases;
        try (Stream<Path> s = Files.list(dir)) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("case.json"))).sorted().toList();
        }
        assumeTrue(!cases.isEmpty(), "no cases in " + dir);
        ObjectMapper json = new ObjectMapper();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
            JsonNode cj = json.readTree(c.resolve("case.json").toFile());
            JsonNode o = cj.get("options");
            Image in = Images.read(c.resolve(cj.get("input").asText()));
            Image expected = Images.read(c.resolve(cj.get("expected").asText()));
            Image edges = Canny.detect(in, o.get("low_threshold").asDouble(), o.get("high_threshold").asDouble(),
                    o.path("l2_gradient").asBoolean(false));
            double f1 = Canny.edgeF1(expected, edges);
            double min = cj.get("min_f1").asDouble();
            System.out.printf("canny %s f1=%.6f (min %.2f)%n", c.getFileName(), f1, min);
            assertTrue(f1 >= min, c.getFileName() + ": f1=" + f1 + " < " + min);
        }));
    }
}
