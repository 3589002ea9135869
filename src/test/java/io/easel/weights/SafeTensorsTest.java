package io.easel.weights;

import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsTest {
    @TempDir Path dir;

    @Test
    void roundTripKeepsValuesDtypesAndMetadata() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a.weight", T.fromFloats(new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        m.put("b", T.fromFloats(new float[]{0.5f, -1.25f, 3}, 3).to(torch.ScalarType.Half));
        m.put("c", T.fromFloats(new float[]{7, 8}, 2).to(torch.ScalarType.BFloat16));
        m.put("ids", T.fromLongs(new long[]{1, 2, 3}, 3));
        Path p = dir.resolve("x.safetensors");
        SafeTensors.write(p, m, Map.of("format", "pt"));
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(4, st.infos().size());
            assertEquals("F16", st.infos().get("b").dtype());
            assertEquals("BF16", st.infos().get("c").dtype());
            assertArrayEquals(new long[]{2, 3}, st.infos().get("a.weight").shape());
            assertEquals("pt", st.metadata().get("format"));
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, T.toFloats(st.load("a.weight")));
            assertArrayEquals(new float[]{0.5f, -1.25f, 3}, T.toFloats(st.load("b")));
            assertArrayEquals(new float[]{7, 8}, T.toFloats(st.load("c")));
            assertArrayEquals(new float[]{1, 2, 3}, T.toFloats(st.load("ids")));
        }
        assertFalse(Files.exists(dir.resolve("x.safetensors.partial")));
    }

    private Path raw(String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void refusesOffsetsBeyondTheFile() throws Exception {
        Path p = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("beyond"), e.getMessage());
    }

    @Test
    void refusesOverlappingRanges() throws Exception {
        Path p = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        assertTrue(e.getMessage().contains("overlapping"), e.getMessage());
    }

    @Test
    void refusesHeaderLongerThanFile() throws Exception {
        Path p = dir.resolve("short.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Files.write(p, b.array());
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        assertTrue(e.getMessage().contains("larger than the file"), e.getMessage());
    }

    @Test
    void refusesSizeThatDisagreesWithShape() throws Exception {
        Path p = raw("{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
    }

    @Test
    void refusesTruncatedAndMissingFiles() throws Exception {
        Path p = dir.resolve("t.safetensors");
        Files.write(p, new byte[]{1, 2, 3});
        assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(dir.resolve("none.safetensors")));
        assertTrue(e.getMessage().contains("no such file"));
        Path j = raw("{not json", 0);
        assertThrows(WeightsException.class, () -> SafeTensors.open(j));
    }
}
