package io.easel.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import io.easel.tensor.T;
import io.easel.weights.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** golden core/randn: torch.manual_seed + successive torch.randn, bit for bit. */
class RngGoldenTest {
    @TestFactory
    List<DynamicTest> randnCases() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : GoldenSupport.cases("randn")) tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        return tests;
    }

    private static void check(Path dir) throws Exception {
        JsonNode c = GoldenSupport.read(dir);
        Rng rng = new Rng(c.get("seed").asLong());
        try (SafeTensors st = SafeTensors.open(dir.resolve(c.get("data").asText()))) {
            for (JsonNode draw : c.get("draws")) {
                long[] shape = new long[draw.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = draw.get("shape").get(i).asLong();
                Tensor got = rng.randn(shape);
                Tensor want = st.load(draw.get("name").asText());
                assertArrayEquals(T.shape(want), T.shape(got), draw.get("name").asText());
                assertArrayEquals(T.toFloats(want), T.toFloats(got), draw.get("name").asText() + " must be bit-identical");
            }
        }
    }

    @Test
    void sameSeedSameStreamAndDrawsContinue() {
        Rng a = new Rng(11), b = new Rng(11);
        float[] first = T.toFloats(a.randn(2, 3));
        assertArrayEquals(first, T.toFloats(b.randn(2, 3)));
        assertFalse(java.util.Arrays.equals(first, T.toFloats(a.randn(2, 3))), "a second draw continues the stream");
        assertEquals(T.dtype(a.randn(4)).value, org.bytedeco.pytorch.global.torch.ScalarType.Float.value);
    }

    @Test
    void randnLikeFollowsTheReference() {
        Tensor ref = T.fromFloats(new float[6], 2, 3);
        assertArrayEquals(T.toFloats(new Rng(5).randn(2, 3)), T.toFloats(new Rng(5).randnLike(ref)));
        Tensor d = new Rng(5).randnLike(ref.to(org.bytedeco.pytorch.global.torch.ScalarType.Double));
        assertEquals(org.bytedeco.pytorch.global.torch.ScalarType.Double.value, T.dtype(d).value);
        assertArrayEquals(T.toFloats(new Rng(5).randn(2, 3)), T.toFloats(d));
    }
}
