package io.easel.weights;

import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** A checkpoint header without data, read from a golden {@code core/shapes/*.txt} list (key, dtype, shape per line). */
final class HeaderOnlySource implements TensorSource {
    private final Path path;
    private final Map<String, TensorInfo> infos;

    HeaderOnlySource(Path path, Map<String, TensorInfo> infos) {
        this.path = path;
        this.infos = Collections.unmodifiableMap(new LinkedHashMap<>(infos));
    }

    /** {@code golden/core/shapes}; skips the calling test when the golden data is not beside the checkout. */
    static Path goldenShapes() {
        String g = System.getProperty("easel.golden");
        org.junit.jupiter.api.Assumptions.assumeTrue(g != null && Files.isDirectory(Path.of(g, "core", "shapes")), "golden data not available");
        return Path.of(g, "core", "shapes");
    }

    static HeaderOnlySource read(Path file) {
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                String shape = f[2].trim();
                shape = shape.substring(1, shape.length() - 1).trim();
                long[] s = shape.isEmpty() ? new long[0] : Arrays.stream(shape.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
                m.put(f[0], new TensorInfo(f[0], dtype(f[1]), s));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new HeaderOnlySource(file, m);
    }

    private static String dtype(String torchName) {
        return switch (torchName) {
            case "float16" -> "F16";
            case "float32" -> "F32";
            case "bfloat16" -> "BF16";
            case "int64" -> "I64";
            default -> throw new IllegalArgumentException(torchName);
        };
    }

    /** A copy edited by {@code edit} (add, remove or replace entries). */
    HeaderOnlySource edit(Consumer<Map<String, TensorInfo>> edit) {
        Map<String, TensorInfo> m = new LinkedHashMap<>(infos);
        edit.accept(m);
        return new HeaderOnlySource(path, m);
    }

    static TensorInfo info(String key, String dtype, long... shape) { return new TensorInfo(key, dtype, shape); }

    @Override public Path path() { return path; }
    @Override public Map<String, TensorInfo> infos() { return infos; }
    @Override public Tensor load(String key) { throw new UnsupportedOperationException("header only: " + key); }
}
