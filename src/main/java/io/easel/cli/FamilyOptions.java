package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The base model and ControlNets of {@code demo} and {@code eval}; both default to the bundled easel-shapes family. */
final class FamilyOptions {
    @Option(names = {"-m", "--model"}, description = "A pipeline folder (default: the bundled easel-shapes model).") Path model;
    @Option(names = "--controlnet", paramLabel = "KIND=PATH", description = "ControlNets by kind, e.g. canny=DIR (default: the bundled canny, seg and pose).")
    Map<String, Path> controlNets;

    Path model() {
        Path m = model != null ? model : Easel.defaultModel();
        if (m == null) throw new IllegalArgumentException("no bundled default model found: give --model");
        return m;
    }

    Map<String, Path> controlNets() { return controlNets != null ? new LinkedHashMap<>(controlNets) : Easel.defaultControlNets(); }
}
