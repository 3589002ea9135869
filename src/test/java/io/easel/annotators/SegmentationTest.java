package io.easel.annotators;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class SegmentationTest {
    @TempDir Path dir;

    @Test
    void everyPixelIsExactlyItsPaletteEntry() {
        int w = 30, h = 10;
        int[] labels = new int[w * h];
        for (int i = 0; i < labels.length; i++) labels[i] = i % Segmentation.CLASSES;
        Image im = Segmentation.colorize(new LabelMap(w, h, labels), false);
        for (int p = 0; p < labels.length; p++) {
            int[] c = Segmentation.color(labels[p]);
            for (int k = 0; k < 3; k++) assertEquals(c[k], im.data()[3 * p + k]);
        }
        assertArrayEquals(new int[]{120, 120, 120}, Segmentation.color(0));   // wall
        assertArrayEquals(new int[]{92, 0, 255}, Segmentation.color(149));    // flag
        Set<String> all = new HashSet<>();
        for (int k = 0; k < Segmentation.CLASSES; k++) all.add(java.util.Arrays.toString(Segmentation.color(k)));
        assertTrue(all.size() >= 148, "palette entries are (nearly) distinct: " + all.size());
    }

    @Test
    void readsEightAndSixteenBitLabelMaps() throws Exception {
        BufferedImage b8 = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage b16 = new BufferedImage(4, 2, BufferedImage.TYPE_USHORT_GRAY);
        int[] vals = {0, 1, 2, 149, 150, 255, 3, 4};
        for (int i = 0; i < vals.length; i++) {
            b8.getRaster().setSample(i % 4, i / 4, 0, vals[i]);
            b16.getRaster().setSample(i % 4, i / 4, 0, vals[i]);
        }
        Path p8 = dir.resolve("l8.png"), p16 = dir.resolve("l16.png");
        ImageIO.write(b8, "png", p8.toFile());
        ImageIO.write(b16, "png", p16.toFile());
        assertArrayEquals(vals, Images.readLabels(p8).labels());
        assertArrayEquals(vals, Images.readLabels(p16).labels());
        Image im = Annotator.SEG_ADE20K.run(p16, Map.of());
        assertArrayEquals(Segmentation.color(149), TestImages.px(im, 3, 0));
        assertArrayEquals(new int[]{0, 0, 0}, TestImages.px(im, 0, 1));  // 150: outside the palette
        Image one = Annotator.SEG_ADE20K.run(p8, Map.of("zero_is_background", "true"));
        assertArrayEquals(new int[]{0, 0, 0}, TestImages.px(one, 0, 0));
        assertArrayEquals(Segmentation.color(0), TestImages.px(one, 1, 0));
        assertArrayEquals(Segmentation.color(149), TestImages.px(one, 0, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Annotator.SEG_ADE20K.apply(im, Map.of()));
        assertTrue(e.getMessage().contains("label-map"), e.getMessage());
        for (String bad : List.of("-1", "150")) {
            assertThrows(IllegalArgumentException.class, () -> Segmentation.color(Integer.parseInt(bad)));
        }
    }
}
