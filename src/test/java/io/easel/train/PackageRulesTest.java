package io.easel.train;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** DESIGN.md: train may import models, sampling, weights and tensor (and itself), nothing else of Easel. */
class PackageRulesTest {
    @Test
    void importsOnlyAllowedPackages() throws Exception {
        Path dir = Path.of("src/main/java/io/easel/train");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir));
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) { files = s.filter(p -> p.toString().endsWith(".java")).toList(); }
        assertFalse(files.isEmpty());
        List<String> allowed = List.of("io.easel.train.", "io.easel.models.", "io.easel.sampling.", "io.easel.weights.", "io.easel.tensor.");
        for (Path f : files)
            for (String line : Files.readAllLines(f)) {
                String l = line.trim();
                if (!l.startsWith("import ")) continue;
                String target = l.replace("import static ", "").replace("import ", "");
                if (target.startsWith("io.easel."))
                    assertTrue(allowed.stream().anyMatch(target::startsWith), f.getFileName() + ": " + l);
            }
    }
}
