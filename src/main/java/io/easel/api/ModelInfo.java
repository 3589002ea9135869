package io.easel.api;

import io.easel.pipeline.Checkpoints;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Detected;
import io.easel.weights.Detection;
import io.easel.weights.TensorInfo;
import io.easel.weights.TensorSource;
import io.easel.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** {@code easel info}: architecture, dtypes, parameter counts and unknown keys, read from headers only. */
final class ModelInfo {
    private ModelInfo() {}

    static List<String> describe(Path path, ArchOverrides o) {
        if (!Files.exists(path)) throw new WeightsException(path + ": no such file or folder");
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(path, 2)) {
                files = s.filter(Files::isRegularFile).filter(ModelInfo::isWeights).sorted().toList();
            } catch (IOException e) {
                throw new WeightsException(path + ": cannot list (" + e.getMessage() + ")");
            }
            if (files.isEmpty()) throw new WeightsException(path + ": no weights files (.safetensors, .bin, .ckpt, .pt, .pth) found");
            if (Files.isRegularFile(path.resolve("model_index.json"))) out.add(path + ": diffusers pipeline folder");
            for (Path f : files) {
                out.add("");
                out.addAll(describeFile(f, o));
            }
            return out;
        }
        return describeFile(path, o);
    }

    private static boolean isWeights(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth");
    }

    private static List<String> describeFile(Path file, ArchOverrides o) {
        List<String> out = new ArrayList<>();
        try (TensorSource src = Checkpoints.open(file)) {
            Map<String, long[]> dtypes = new TreeMap<>();
            long params = 0;
            for (TensorInfo i : src.infos().values()) {
                long[] v = dtypes.computeIfAbsent(i.dtype(), k -> new long[2]);
                v[0]++;
                v[1] += i.numel();
                params += i.numel();
            }
            out.add(file + ": " + src.infos().size() + " tensors, " + String.format("%,d", params) + " values");
            StringBuilder d = new StringBuilder("dtypes:");
            dtypes.forEach((k, v) -> d.append(' ').append(k).append(" (").append(v[0]).append(" tensors, ").append(String.format("%,d", v[1])).append(" values)"));
            out.add(d.toString());
            try {
                Detected det = Detection.detect(src, o);
                out.addAll(det.describe());
            } catch (WeightsException e) {
                out.add("architecture: not recognised (" + e.getMessage() + ")");
            }
        }
        return out;
    }
}
