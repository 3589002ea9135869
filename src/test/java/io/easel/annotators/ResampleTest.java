package io.easel.annotators;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Shuffle, tile, blur, palette and pixel: annotators that rearrange or resample pixels. */
class ResampleTest {

    private static double[] histogram(Image im, int bins) {
        double[] h = new double[bins];
        for (float v : im.data()) h[Math.min(bins - 1, (int) (v * bins / 256))]++;
        for (int i = 0; i < bins; i++) h[i] /= im.data().length;
        return h;
    }

    private static double totalVariation(Image im) {
        double tv = 0;
        for (int y = 0; y < im.height(); y++)
            for (int x = 1; x < im.width(); x++)
                for (int c = 0; c < im.channels(); c++) tv += Math.abs(im.get(x, y, c) - im.get(x - 1, y, c));
        return tv;
    }

    @Test
    void shuffleIsDeterministicPerSeedAndKeepsTheColours() {
        Image photo = TestImages.photo("coffee_100_200");
        Image a = Shuffle.shuffle(photo, 7, 256), b = Shuffle.shuffle(photo, 7, 256), c = Shuffle.shuffle(photo, 8, 256);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(photo.width(), a.width());
        assertEquals(photo.height(), a.height());
        // a rearrangement: most pixels move, yet the colour distribution stays close
        int moved = 0;
        for (int i = 0; i < a.data().length; i++) if (a.data()[i] != photo.data()[i]) moved++;
        assertTrue(moved > a.data().length / 2, "moved " + moved);
        double[] h0 = histogram(photo, 16), h1 = histogram(a, 16);
        double l1 = 0;
        for (int i = 0; i < 16; i++) l1 += Math.abs(h0[i] - h1[i]);
        System.out.printf("shuffle histogram L1 distance %.3f%n", l1);
        assertTrue(l1 < 0.5, "histogram L1 " + l1);
        assertEquals(a, Annotator.SHUFFLE.apply(photo, Map.of("seed", "7")));
    }

    @Test
    void pixelationIsConstantWithinBlocksWithFewColours() {
        Image photo = TestImages.photo("astronaut_100_200"); // 512 x 512 -> 64 x 64 grid of 8 x 8 blocks
        Image px = ColorPalette.pixelate(photo, 8, 16, 32, Interpolation.NEAREST, 0);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < 512; y++) {
            for (int x = 0; x < 512; x++) {
                int[] p = TestImages.px(px, x, y);
                assertArrayEquals(TestImages.px(px, x / 8 * 8, y / 8 * 8), p, "block of " + x + "," + y);
                colours.add(p[0] << 16 | p[1] << 8 | p[2]);
            }
        }
        assertTrue(colours.size() <= 16, "colours " + colours.size());
        assertTrue(colours.size() >= 8, "colours " + colours.size());
        assertEquals(px, ColorPalette.pixelate(photo, 8, 16, 32, Interpolation.NEAREST, 0), "seeded");
        Image lanczos = Annotator.PIXEL.apply(photo, Map.of("downsample", "lanczos4", "colors", "0"));
        assertEquals(512, lanczos.width());
    }

    @Test
    void paletteIsConstantWithinCells() {
        Image photo = TestImages.photo("astronaut_100_200");
        Image p = Annotator.PALETTE.apply(photo, Map.of());
        for (int y = 0; y < 512; y += 3)
            for (int x = 0; x < 512; x += 3)
                assertArrayEquals(TestImages.px(p, x / 64 * 64, y / 64 * 64), TestImages.px(p, x, y));
    }

    @Test
    void tileAndBlurKeepTheSizeAndRemoveDetail() {
        Image photo = TestImages.photo("camera_100_200");
        Image tile = Annotator.TILE.apply(photo, Map.of("factor", "4"));
        Image blur = Annotator.BLUR.apply(photo, Map.of("sigma", "3"));
        Image rgb = photo.toRgb();
        for (Image im : new Image[]{tile, blur}) {
            assertEquals(512, im.width());
            assertEquals(3, im.channels());
            assertTrue(totalVariation(im) < 0.7 * totalVariation(rgb));
        }
        assertEquals(rgb, TileBlur.tile(photo, 1.0).toRgb(), "factor below 1.1 leaves the image as it is");
    }
}
