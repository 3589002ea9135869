package io.easel.models.controlnet;

import io.easel.pipeline.ControlNetFiles;
import io.easel.tensor.Param;
import io.easel.weights.Detection;
import io.easel.weights.KeyMaps;
import io.easel.weights.MappedSource;
import io.easel.weights.TensorInfo;
import io.easel.weights.TensorSource;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real, full-size ControlNets (key and shape lists in {@code core/shapes}): the module tree
 * of {@link ControlNetModel} built from {@link ControlNetConfig#SD15} / {@link ControlNetConfig#SD21},
 * or from what the header of an original-layout file says, is exactly the file's diffusers key set.
 * Nothing is allocated: parameters hold shapes until loaded.
 */
class ControlNetShapesTest {
    static Path shapes;

    @BeforeAll
    static void locate() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null && Files.isDirectory(Path.of(g, "core", "shapes")), "golden data not available");
        shapes = Path.of(g, "core", "shapes");
    }

    /** A header without data, from a {@code key<TAB>dtype<TAB>[shape]} list. */
    record Header(Path path, Map<String, TensorInfo> infos) implements TensorSource {
        static Header read(String name) throws IOException {
            Path p = shapes.resolve(name + ".txt");
            Map<String, TensorInfo> m = new LinkedHashMap<>();
            for (String line : Files.readAllLines(p)) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                String s = f[2].trim();
                s = s.substring(1, s.length() - 1).trim();
                long[] shape = s.isEmpty() ? new long[0] : Arrays.stream(s.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
                m.put(f[0], new TensorInfo(f[0], f[1].equals("float16") ? "F16" : "F32", shape));
            }
            return new Header(p, m);
        }

        @Override public Tensor load(String key) { throw new UnsupportedOperationException("header only"); }
    }

    static Map<String, String> view(Map<String, TensorInfo> infos) {
        Map<String, String> m = new TreeMap<>();
        infos.forEach((k, i) -> m.put(k, i.shapeString()));
        return m;
    }

    static Map<String, String> view(ControlNetModel model) {
        Map<String, String> m = new TreeMap<>();
        for (Map.Entry<String, Param> e : model.parameters().entrySet()) m.put(e.getKey(), Arrays.toString(e.getValue().shape()));
        return m;
    }

    @Test
    void diffusersFilesMatchTheStandardConfigs() throws IOException {
        try (ControlNetModel sd15 = new ControlNetModel(ControlNetConfig.SD15); ControlNetModel sd21 = new ControlNetModel(ControlNetConfig.SD21)) {
            assertEquals(view(Header.read("controlnet_sd15_diffusers").infos()), view(sd15));
            assertEquals(view(Header.read("controlnet_sd21_diffusers").infos()), view(sd21));
        }
    }

    @Test
    void originalFilesBuildFromTheirHeaders() throws IOException {
        for (String name : List.of("controlnet_v11_sd15_original", "controlnet_v10_sd15_original_prefixed", "controlnet_sd21_original")) {
            Header h = Header.read(name);
            MappedSource mapped = KeyMaps.controlNet(h);
            ControlNetConfig cfg = ControlNetFiles.configOf(Detection.detect(h));
            assertEquals(name.contains("sd21") ? ControlNetConfig.SD21 : ControlNetConfig.SD15, cfg, name);
            try (ControlNetModel m = new ControlNetModel(cfg)) {
                assertEquals(view(mapped.infos()), view(m), name);
                assertEquals(m.parameterCount(), mapped.infos().values().stream().mapToLong(TensorInfo::numel).sum(), name);
            }
        }
    }
}
