package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The base model and ControlNets of {@code demo} and {@code eval}; both default to the bundled easel-shapes family. */
final class FamilyOptions {
    @Option(names = {"-m", "--model"}, description = "A pipeline folder (default: the bundled easel-shapes model).") Path model;
    @Option(names = "--controlnet", paramLabel = "KIND=PATH", description = "ControlNets by kind, e.g. canny=DIR (default: the bundled canny, seg and pose).")
    Map<String, Path> controlNets;
    @Option(names = "--text-only", description = "No ControlNets: text-only generation alone.") boolean textOnly;

    Path model() {
        Path m = model != null ? model : Easel.defaultModel();
        if (m == null) throw new IllegalArgumentException("no bundled default model found: give --model");
        return m;
    }

    Map<String, Path> controlNets() {
        if (textOnly && controlNets != null) throw new IllegalArgumentException("--text-only and --controlnet exclude each other");
        if (textOnly) return new LinkedHashMap<>();
        if (controlNets == null) return Easel.defaultControlNets();
        // checked before any image is made: eval generates its text-only images before it loads a ControlNet
        controlNets.forEach((kind, path) -> {
            if (!Files.exists(path)) throw new IllegalArgumentException("--controlnet " + kind + "=" + path + ": no such file or folder");
        });
        return new LinkedHashMap<>(controlNets);
    }
}
