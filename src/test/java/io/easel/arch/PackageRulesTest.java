package io.easel.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the package arrows of DESIGN.md true: every reference from one Easel package to another
 * (imports and fully qualified names) must be allowed by this table.
 */
class PackageRulesTest {
    /** package -> packages it may use (besides itself and its own subpackages). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("tensor", Set.of()),
            Map.entry("text", Set.of()),
            Map.entry("annotators", Set.of()),
            Map.entry("sampling", Set.of("tensor")),
            // weights reads the config records of the models it detects (values only, no networks)
            Map.entry("weights", Set.of("tensor", "models.unet.UNet2DConditionConfig", "models.vae.AutoencoderKLConfig",
                    "models.clip.CLIPTextConfig", "models.ConfigJson", "models.controlnet.ControlNetConfig")),
            Map.entry("models", Set.of("tensor", "models")),
            // pipeline wires models together; annotators run on the fly for control images
            Map.entry("pipeline", Set.of("text", "models", "sampling", "weights", "tensor", "annotators")),
            Map.entry("train", Set.of("models", "sampling", "weights", "tensor", "text", "annotators", "pipeline")),
            // bench also times the training recipes' steps
            Map.entry("bench", Set.of("models", "tensor", "train", "sampling", "text")),
            Map.entry("conformance", Set.of("pipeline", "models", "sampling", "weights", "tensor", "text", "annotators", "train")),
            // the facade exposes value types of the lower packages and runs the harnesses
            Map.entry("api", Set.of("pipeline", "sampling", "tensor", "weights", "annotators", "bench", "conformance", "train", "text")),
            Map.entry("cli", Set.of("api")));

    private static final Pattern REF = Pattern.compile("io\\.easel\\.([a-z]+)((?:\\.[a-z][a-z0-9]*)*)((?:\\.[A-Z][A-Za-z0-9]*)?)");

    @Test
    void packagesOnlyUseWhatTheDesignAllows() throws IOException {
        Path root = Path.of("src/main/java/io/easel");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f).getName(0).toString();
                Set<String> allowed = ALLOWED.get(pkg);
                if (allowed == null) { violations.add(f + ": package '" + pkg + "' has no rule"); continue; }
                String src = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
                Matcher m = REF.matcher(src);
                while (m.find()) {
                    String target = m.group(1);
                    if (target.equals(pkg)) continue;
                    String full = (m.group(1) + m.group(2) + m.group(3)).replaceAll("^\\.", "");
                    boolean ok = allowed.contains(target) || allowed.stream().anyMatch(a -> full.equals(a) || full.startsWith(a + "."));
                    if (!ok) violations.add(f + " uses io.easel." + full);
                }
            }
        }
        assertTrue(violations.isEmpty(), String.join("\n", violations));
    }
}
