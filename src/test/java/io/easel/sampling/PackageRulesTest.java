package io.easel.sampling;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** DESIGN.md: sampling may import io.easel.tensor only, never models. */
class PackageRulesTest {
    @Test
    void importsOnlyTensor() throws Exception {
        Path dir = Path.of("src/main/java/io/easel/sampling");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir));
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) { files = s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList()); }
        assertFalse(files.isEmpty());
        for (Path f : files)
            for (String line : Files.readAllLines(f)) {
                String l = line.trim();
                if (!l.startsWith("import ")) continue;
                String target = l.replace("import static ", "").replace("import ", "");
                if (target.startsWith("io.easel."))
                    assertTrue(target.startsWith("io.easel.tensor.") || target.startsWith("io.easel.sampling."), f.getFileName() + ": " + l);
            }
    }
}
