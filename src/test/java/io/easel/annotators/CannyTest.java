package io.easel.annotators;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CannyTest {

    @Test
    void edgeF1OfIdenticalIsOneOfDisjointIsZero() {
        Image a = Image.blank(8, 8, 1), b = Image.blank(8, 8, 1);
        assertEquals(1.0, Canny.edgeF1(a, b), "both empty");
        a.set(1, 1, 0, 255);
        a.set(2, 2, 0, 255);
        assertEquals(1.0, Canny.edgeF1(a, a.copy()));
        b.set(5, 5, 0, 255);
        assertEquals(0.0, Canny.edgeF1(a, b));
        assertEquals(0.0, Canny.edgeF1(a, Image.blank(8, 8, 1)), "one empty");
        b.set(1, 1, 0, 200); // P = 1/2, R = 1/2
        assertEquals(0.5, Canny.edgeF1(a, b), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Canny.edgeF1(a, Image.blank(8, 9, 1)));
    }

    @Test
    void verticalStepGivesOneColumnOfEdges() {
        Image im = TestImages.rgb(32, 16, (x, y, c) -> x < 16 ? 20 : 220);
        Image e = Canny.detect(im);
        assertEquals(1, e.channels());
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                // Sobel peaks equally at x = 15 and 16; the strict '>' on the left neighbour keeps x = 15.
                assertEquals(x == 15 ? 255f : 0f, e.get(x, y, 0), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void thresholdsAreSwappedWhenReversedAndL2IsStricter() {
        Image im = TestImages.photo("astronaut_100_200");
        assertEquals(Canny.detect(im, 100, 200, false), Canny.detect(im, 200, 100, false));
        int l1 = count(Canny.detect(im, 100, 200, false)), l2 = count(Canny.detect(im, 100, 200, true));
        assertTrue(l2 < l1, "L2 magnitude <= L1 so fewer edges: " + l2 + " vs " + l1);
    }

    @Test
    void sixteenBitInputIsScaledToEightBits() {
        Image eight = TestImages.rgb(24, 24, (x, y, c) -> (x * 7 + y * 3) % 256 > 100 ? 200 : 30);
        float[] d = eight.data().clone();
        for (int i = 0; i < d.length; i++) d[i] = d[i] * 257 / 257f; // what a 16-bit read of u = 257 v gives
        assertEquals(Canny.detect(eight), Canny.detect(new Image(24, 24, 3, d)));
    }

    private static int count(Image e) {
        int n = 0;
        for (float v : e.data()) if (v > 127) n++;
        return n;
    }
}
