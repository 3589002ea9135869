package io.easel.annotators;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Straight lines (Hough) and soft edges (DoG). */
class EdgeLikeTest {

    @Test
    void houghFindsTheSidesOfARectangle() {
        Image rect = TestImages.rgb(160, 120, (x, y, c) -> x >= 30 && x < 130 && y >= 20 && y < 100 ? 220 : 30);
        List<StraightLines.Segment> segs = StraightLines.houghP(Canny.detect(rect), 40, 30, 3, 0);
        assertTrue(segs.size() >= 4, "segments " + segs);
        boolean top = segs.stream().anyMatch(s -> s.y1() == s.y2() && Math.abs(s.y1() - 20) <= 1 && Math.abs(s.x2() - s.x1()) >= 90);
        boolean left = segs.stream().anyMatch(s -> s.x1() == s.x2() && Math.abs(s.x1() - 30) <= 1 && Math.abs(s.y2() - s.y1()) >= 70);
        assertTrue(top && left, "segments " + segs);
        Image drawn = Annotator.LINES.apply(rect, Map.of("threshold", "40", "min_length", "30"));
        for (float v : drawn.data()) assertTrue(v == 0f || v == 255f);
        assertEquals(255f, drawn.get(80, 20, 0) + drawn.get(80, 19, 0) > 0 ? 255f : 0f, "top side drawn");
        assertEquals(0f, drawn.get(80, 60, 0), "inside empty");
    }

    @Test
    void linesOnAPhotoAreDeterministicPerSeed() {
        Image photo = TestImages.photo("camera_100_200");
        Image a = Annotator.LINES.apply(photo, Map.of()), b = Annotator.LINES.apply(photo, Map.of());
        assertEquals(a, b);
        int on = 0;
        for (float v : a.data()) if (v > 0) on++;
        assertTrue(on > 100, "some lines found: " + on);
    }

    @Test
    void softEdgesAreBrightAtEdgesAndDarkOnFlatAreas() {
        Image step = TestImages.rgb(64, 32, (x, y, c) -> x < 32 ? 40 : 200);
        Image e = SoftEdge.dog(step, SoftEdge.DEFAULT_SIGMA, SoftEdge.DEFAULT_K, 1.0);
        // one band centred on the step (between x = 31 and 32), fading away from it
        assertTrue(e.get(31, 10, 0) > 200 && e.get(32, 10, 0) > 200, "edge " + e.get(31, 10, 0));
        assertTrue(e.get(31, 10, 0) > e.get(28, 10, 0) && e.get(28, 10, 0) > e.get(24, 10, 0));
        assertEquals(0f, e.get(5, 10, 0));
        assertEquals(0f, e.get(60, 10, 0));
        Image photo = Annotator.SOFTEDGE_DOG.apply(TestImages.photo("coffee_100_200"), Map.of());
        double mean = 0;
        for (float v : photo.data()) {
            assertTrue(v >= 0 && v <= 255);
            mean += v;
        }
        mean /= photo.data().length;
        assertTrue(mean > 5 && mean < 128, "mostly dark with bright edges: mean " + mean);
    }
}
