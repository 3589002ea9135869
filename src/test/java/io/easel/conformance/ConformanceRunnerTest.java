package io.easel.conformance;

import io.easel.tensor.T;
import io.easel.weights.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner works on any folder of cases in the golden format, not only ../shared/golden. */
class ConformanceRunnerTest {
    @TempDir Path dir;

    private String run(Path base, boolean[] ok) throws Exception {
        StringWriter w = new StringWriter();
        try (PrintWriter out = new PrintWriter(w)) {
            ok[0] = new ConformanceRunner().run(base, out, false).ok();
        }
        return w.toString();
    }

    @Test
    void passFailAndSkipLinesAndSummary() throws Exception {
        // a passing randn case: torch.manual_seed(3); randn(4) (values computed by Easel's own generator,
        // whose bit-exactness against PyTorch is checked by the golden randn cases)
        Path pass = Files.createDirectories(dir.resolve("cases/randn/ok"));
        Tensor good = new io.easel.sampling.Rng(3).randn(4);
        SafeTensors.write(pass.resolve("data.safetensors"), Map.of("x0", good), null);
        Files.writeString(pass.resolve("case.json"), "{\"kind\":\"randn\",\"seed\":3,\"draws\":[{\"shape\":[4],\"name\":\"x0\"}],\"tolerance\":0.0,\"data\":\"data.safetensors\"}");
        // a failing one: same draw, wrong expectation
        Path fail = Files.createDirectories(dir.resolve("cases/randn/bad"));
        SafeTensors.write(fail.resolve("data.safetensors"), Map.of("x0", good.add(T.s(1e-3))), null);
        Files.writeString(fail.resolve("case.json"), "{\"kind\":\"randn\",\"seed\":3,\"draws\":[{\"shape\":[4],\"name\":\"x0\"}],\"tolerance\":0.0,\"data\":\"data.safetensors\"}");
        // an unknown kind skips
        Path skip = Files.createDirectories(dir.resolve("cases/other/x"));
        Files.writeString(skip.resolve("case.json"), "{\"kind\":\"layer_diffusion\",\"tolerance\":0.0}");

        boolean[] ok = new boolean[1];
        String out = run(dir.resolve("cases"), ok);
        assertFalse(ok[0], out);
        assertTrue(out.contains("PASS randn/ok randn max_err=0.00"), out);
        assertTrue(out.contains("FAIL randn/bad randn max_err="), out);
        assertTrue(out.contains("SKIP other/x layer_diffusion max_err=n/a"), out);
        String[] lines = out.strip().split("\n");
        assertEquals("1 passed, 1 failed, 1 skipped", lines[lines.length - 1]);
    }

    @Test
    void copiedGoldenCasesRunFromAnotherFolder() throws Exception {
        Path golden = Path.of(System.getProperty("easel.golden", "../shared/golden"));
        Assumptions.assumeTrue(Files.isDirectory(golden.resolve("core/randn")));
        Path target = dir.resolve("mine/randn");
        Files.createDirectories(target);
        try (var s = Files.list(golden.resolve("core/randn"))) {
            for (Path c : s.toList()) {
                Path d = Files.createDirectories(target.resolve(c.getFileName()));
                for (String f : new String[]{"case.json", "data.safetensors"}) Files.copy(c.resolve(f), d.resolve(f));
            }
        }
        boolean[] ok = new boolean[1];
        String out = run(dir.resolve("mine"), ok);
        assertTrue(ok[0], out);
        assertTrue(out.strip().endsWith("5 passed, 0 failed, 0 skipped"), out);
    }
}
