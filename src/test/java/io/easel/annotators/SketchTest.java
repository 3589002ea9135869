package io.easel.annotators;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SketchTest {

    private static void assertOnly0Or255(Image im) {
        for (float v : im.data()) assertTrue(v == 0f || v == 255f, "value " + v);
    }

    @Test
    void binaryIsOnly0Or255AndOtsuSplitsTheModes() {
        Image photo = TestImages.photo("coffee_100_200");
        assertOnly0Or255(Sketch.binary(photo, 0, false));
        assertOnly0Or255(Sketch.binary(photo, 100, true));
        assertEquals(Sketch.invert(Sketch.binary(photo, 100, false)), Sketch.binary(photo, 100, true));
        // two modes at 40 and 200: Otsu's threshold falls between them
        int[] v = new int[1000];
        for (int i = 0; i < v.length; i++) v[i] = i % 3 == 0 ? 200 + i % 7 : 40 + i % 5;
        int t = Sketch.otsu(v);
        assertTrue(t >= 44 && t < 200, "otsu " + t);
        Image bimodal = TestImages.rgb(40, 25, (x, y, c) -> x < 13 ? 200 : 40);
        Image b = Sketch.binary(bimodal, 0, false);
        assertEquals(255f, b.get(5, 5, 0));
        assertEquals(0f, b.get(30, 5, 0));
    }

    @Test
    void invertTwiceIsIdentity() {
        Image photo = TestImages.photo("astronaut_100_200");
        assertEquals(photo, Sketch.invert(Sketch.invert(photo)));
        Image once = Annotator.INVERT.apply(photo, Map.of());
        assertEquals(255f - photo.get(10, 20, 1), once.get(10, 20, 1));
        assertEquals(photo, Annotator.INVERT.apply(once, Map.of()));
    }

    @Test
    void grayscaleIsOpenCvLumaOnThreeEqualChannels() {
        Image photo = TestImages.photo("astronaut_100_200");
        Image g = Sketch.grayscale(photo);
        assertEquals(3, g.channels());
        for (int y = 0; y < g.height(); y += 7) {
            for (int x = 0; x < g.width(); x += 7) {
                int r = (int) photo.get(x, y, 0), gg = (int) photo.get(x, y, 1), b = (int) photo.get(x, y, 2);
                float expect = (r * 9798 + gg * 19235 + b * 3735 + 16384) >> 15;
                assertEquals(expect, g.get(x, y, 0));
                assertEquals(expect, g.get(x, y, 1));
                assertEquals(expect, g.get(x, y, 2));
            }
        }
    }

    @Test
    void scribbleGivesWhiteStrokesOnBlackWhateverTheBackground() {
        // dark stroke (rows 10..12) on white paper
        Image paper = TestImages.rgb(40, 30, (x, y, c) -> y >= 10 && y <= 12 ? 30 : 250);
        Image s = Sketch.scribble(paper, 127, Sketch.Background.AUTO, 0);
        assertOnly0Or255(s);
        assertEquals(255f, s.get(5, 11, 0));
        assertEquals(0f, s.get(5, 20, 0));
        // the same sketch as light strokes on black gives the same hint
        assertEquals(s, Sketch.scribble(Sketch.invert(paper), 127, Sketch.Background.AUTO, 0));
        assertEquals(s, Sketch.scribble(paper, 127, Sketch.Background.WHITE, 0));
        // thickening by 2 grows the stroke to rows 8..14
        Image thick = Sketch.scribble(paper, 127, Sketch.Background.AUTO, 2);
        assertEquals(255f, thick.get(5, 8, 0));
        assertEquals(255f, thick.get(5, 14, 0));
        assertEquals(0f, thick.get(5, 15, 0));
        assertOnly0Or255(Annotator.SCRIBBLE.apply(TestImages.photo("camera_100_200"), Map.of("thicken", "1")));
    }
}
