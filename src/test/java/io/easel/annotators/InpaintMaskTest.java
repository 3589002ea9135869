package io.easel.annotators;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InpaintMaskTest {
    @TempDir Path dir;

    @Test
    void maskedPixelsBecomeMinusOneInHintUnits() {
        Image photo = TestImages.photo("coffee_100_200");
        Image mask = TestImages.rgb(photo.width(), photo.height(), (x, y, c) -> x >= 100 && x < 200 && y >= 50 && y < 150 ? 255 : 0);
        Image hint = InpaintMask.hint(photo, mask, 0);
        for (int y = 0; y < photo.height(); y += 5) {
            for (int x = 0; x < photo.width(); x += 5) {
                boolean in = x >= 100 && x < 200 && y >= 50 && y < 150;
                assertEquals(in, InpaintMask.isMasked(hint, x, y));
                for (int c = 0; c < 3; c++) {
                    assertEquals(in ? -255f : photo.get(x, y, c), hint.get(x, y, c));
                }
            }
        }
        float[] h = hint.hint();
        assertEquals(-1f, h[(60 * photo.width() + 150) * 3]);
        for (float v : h) assertTrue(v == -1f || (v >= 0 && v <= 1));
    }

    @Test
    void maskFileAndTransparentHolesGiveTheSameHint() {
        Image photo = TestImages.photo("coffee_100_200");
        int w = photo.width(), h = photo.height();
        Image mask = TestImages.rgb(w, h, (x, y, c) -> (x - 300) * (x - 300) + (y - 200) * (y - 200) < 60 * 60 ? 255 : 0);
        Path maskPath = dir.resolve("mask.png");
        Images.write(mask, maskPath);
        Path photoPath = dir.resolve("photo.png");
        Images.write(photo, photoPath);
        Image fromFile = Annotator.INPAINT.run(photoPath, Map.of("mask", maskPath.toString()));
        // the hint written to PNG keeps the hole as transparency; read back, the alpha is the mask
        Path hintPath = dir.resolve("hint.png");
        Images.write(fromFile, hintPath);
        Image written = Images.read(hintPath);
        assertEquals(4, written.channels());
        assertEquals(0f, written.get(300, 200, 3));
        assertEquals(255f, written.get(10, 10, 3));
        assertEquals(fromFile, Annotator.INPAINT.apply(written, Map.of()));
        // blurring the mask rounds it but keeps the centre
        Image blurred = Annotator.INPAINT.run(photoPath, Map.of("mask", maskPath.toString(), "mask_blur", "5"));
        assertTrue(InpaintMask.isMasked(blurred, 300, 200));
    }

    @Test
    void badMasksAreRefusedClearly() {
        Image photo = TestImages.rgb(20, 10, (x, y, c) -> 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InpaintMask.hint(photo, Image.blank(10, 10, 1), 0));
        assertTrue(e.getMessage().contains("10x10") && e.getMessage().contains("20x10"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.INPAINT.apply(photo, Map.of()));
        assertTrue(e.getMessage().contains("mask"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Annotator.INPAINT.apply(photo, Map.of("mask", dir.resolve("nope.png").toString())));
        assertTrue(e.getMessage().contains("'mask'") && e.getMessage().contains("nope.png"), e.getMessage());
    }
}
