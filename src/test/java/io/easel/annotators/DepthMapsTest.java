package io.easel.annotators;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DepthMapsTest {
    @TempDir Path dir;

    /** Decodes each RGB pixel back to a vector and checks it has unit length (up to 8-bit rounding). */
    private static void assertUnitNormals(Image n) {
        for (int y = 0; y < n.height(); y++) {
            for (int x = 0; x < n.width(); x++) {
                double len2 = 0;
                for (int c = 0; c < 3; c++) {
                    double v = (n.get(x, y, c) - 127.5) / 127.5;
                    len2 += v * v;
                }
                // truncation to uint8 moves each component by less than 1/127.5
                assertEquals(1.0, Math.sqrt(len2), 0.025, "pixel " + x + "," + y);
                assertTrue(n.get(x, y, 2) >= 127, "normals face the camera");
            }
        }
    }

    @Test
    void normalsFromAPhotoAsDepthAreUnitVectors() {
        Image depth = TestImages.photo("camera_100_200");
        assertUnitNormals(Annotator.NORMAL.apply(depth, Map.of()));
        assertUnitNormals(DepthMaps.normals(depth, 0.0, 1.0));
    }

    @Test
    void normalsFromA16BitRampAreUnitVectorsAndTilted() throws Exception {
        BufferedImage bi = new BufferedImage(64, 48, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++) bi.getRaster().setSample(x, y, 0, 1000 + x * 900);
        Path p = dir.resolve("depth16.png");
        ImageIO.write(bi, "png", p.toFile());
        Image n = Annotator.NORMAL.run(p, Map.of("bg_threshold", "0"));
        assertUnitNormals(n);
        // depth rises along x only: the normal leans in +x (R > 127), not in y (G = 127)
        assertTrue(n.get(30, 20, 0) > 140, "R " + n.get(30, 20, 0));
        assertEquals(127f, n.get(30, 20, 1));
        // below the background threshold the surface is flat: (0, 0, 1) -> (127, 127, 255)
        Image flat = DepthMaps.normals(Images.read(p), 1.0, DepthMaps.DEFAULT_Z);
        assertArrayEquals(new int[]{127, 127, 255}, TestImages.px(flat, 10, 10));
    }

    @Test
    void depthIsStretchedToTheFullRange() {
        Image d = TestImages.rgb(20, 10, (x, y, c) -> 50 + x * 5);
        Image out = DepthMaps.depth(d, false);
        assertEquals(0f, out.get(0, 3, 0));
        assertEquals(255f, out.get(19, 3, 2));
        Image inv = DepthMaps.depth(d, true);
        assertEquals(255f, inv.get(0, 3, 0));
        assertEquals(0f, inv.get(19, 3, 0));
        assertEquals(Image.blank(5, 5, 3), DepthMaps.depth(TestImages.rgb(5, 5, (x, y, c) -> 9), false));
    }
}
