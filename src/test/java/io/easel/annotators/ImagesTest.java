package io.easel.annotators;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ImagesTest {
    @TempDir Path dir;

    @Test
    void pngRoundTripKeepsEightBitValues() {
        Image rgb = TestImages.rgb(7, 5, (x, y, c) -> (x * 37 + y * 11 + c * 90) % 256);
        Path p = dir.resolve("rgb.png");
        Images.write(rgb, p);
        assertEquals(rgb, Images.read(p));
        Image gray = rgb.channel(1);
        Images.write(gray, p);
        assertEquals(gray, Images.read(p));
    }

    @Test
    void sixteenBitKeepsPrecisionAndEdgesUseItsEightBitScale() throws Exception {
        BufferedImage bi = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++) bi.getRaster().setSample(x, y, 0, x < 8 ? 257 * 20 : 257 * 220 + 100);
        Path p = dir.resolve("g16.png");
        ImageIO.write(bi, "png", p.toFile());
        Image im = Images.read(p);
        assertEquals(1, im.channels());
        assertEquals(20f, im.get(0, 0, 0), 1e-4);
        assertEquals(220 + 100 / 257f, im.get(15, 0, 0), 1e-4);   // fraction kept
        Image eight = TestImages.rgb(16, 16, (x, y, c) -> x < 8 ? 20 : 220).channel(0);
        assertEquals(Canny.detect(eight), Canny.detect(im));
    }

    @Test
    void alphaIsCompositedOverWhite() {
        Image rgba = new Image(2, 1, 4, new float[]{0, 0, 0, 0, 100, 50, 0, 255});
        Image flat = rgba.flattenAlpha();
        assertEquals(3, flat.channels());
        assertArrayEquals(new int[]{255, 255, 255}, TestImages.px(flat, 0, 0));
        assertArrayEquals(new int[]{100, 50, 0}, TestImages.px(flat, 1, 0));
        Image ga = new Image(1, 1, 2, new float[]{0, 127.5f});
        assertEquals(127.5f, ga.flattenAlpha().get(0, 0, 0), 1e-4);
    }

    @Test
    void badRecordsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Image(2, 2, 3, new float[11]));
        assertThrows(IllegalArgumentException.class, () -> new Image(0, 2, 3, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new Image(1, 1, 5, new float[5]));
    }
}
