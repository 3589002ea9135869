package io.easel.annotators;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class AnnotatorRegistryTest {
    @TempDir Path dir;

    @Test
    void namesResolveAndUnknownNamesListTheKnownOnes() {
        assertEquals(Annotator.SOFTEDGE_DOG, Annotator.byName("softedge-dog"));
        assertEquals(Annotator.CANNY, Annotator.byName("Canny"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Annotator.byName("hed"));
        assertTrue(e.getMessage().contains("'hed'") && e.getMessage().contains("softedge_dog"), e.getMessage());
    }

    @Test
    void optionsAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Annotator.CANNY.options(Map.of("low_threshold", "-1")));
        assertTrue(e.getMessage().contains("'low_threshold'") && e.getMessage().contains("[0, 2040]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.CANNY.options(Map.of("low", "5")));
        assertTrue(e.getMessage().contains("'low'") && e.getMessage().contains("low_threshold"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.BINARY.options(Map.of("threshold", "256")));
        assertTrue(e.getMessage().contains("'threshold'") && e.getMessage().contains("[0, 255]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.BINARY.options(Map.of("threshold", "1.5")));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.CANNY.options(Map.of("l2_gradient", "maybe")));
        assertTrue(e.getMessage().contains("'l2_gradient'") && e.getMessage().contains("true or false"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.SCRIBBLE.options(Map.of("background", "grey")));
        assertTrue(e.getMessage().contains("auto, white, black"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.INVERT.options(Map.of("x", "1")));
        assertTrue(e.getMessage().contains("takes no options"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.BLUR.options(Map.of("sigma", "nan")));
        assertTrue(e.getMessage().contains("'sigma'"), e.getMessage());
        Options o = Annotator.CANNY.options(Map.of("high_threshold", "250"));
        assertEquals(100.0, o.getDouble("low_threshold"));
        assertEquals(250.0, o.getDouble("high_threshold"));
        assertFalse(o.getBoolean("l2_gradient"));
        for (Annotator a : Annotator.values()) {
            assertNotNull(a.options(Map.of()), a.id() + " defaults are valid");
            assertFalse(a.description().isBlank());
        }
    }

    @Test
    void goldenCannyCasesPassThroughTheRegistryWithTheirOwnOptionNames() throws IOException {
        Path dir = CannyGoldenTest.cannyCases().resolve("coffee_200_300_l2");
        Image out = Annotator.CANNY.run(dir.resolve("input.png"),
                Map.of("low_threshold", "200", "high_threshold", "300", "l2_gradient", "true"));
        assertEquals(1.0, Canny.edgeF1(Images.read(dir.resolve("expected.png")), out));
    }

    @Test
    void everyImageAnnotatorRunsOnAPhotograph() {
        Image photo = TestImages.photo("coffee_100_200");
        for (Annotator a : Annotator.values()) {
            if (a.input() != Annotator.Input.IMAGE || a == Annotator.INPAINT) continue;
            long t = System.nanoTime();
            Image out = a.apply(photo, Map.of());
            double ms = (System.nanoTime() - t) / 1e6;
            assertEquals(photo.width(), out.width(), a.id());
            assertEquals(photo.height(), out.height(), a.id());
            assertEquals(3, out.channels(), a.id());
            for (float v : out.data()) assertTrue(v >= 0 && v <= 255 && v == Math.rint(v), a.id() + " gives 8-bit values");
            System.out.printf("%-13s %6.0f ms%n", a.id(), ms);
        }
    }

    @Test
    void unreadableInputsNameTheFile() throws IOException {
        Path txt = dir.resolve("notes.png");
        Files.writeString(txt, "not an image");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Annotator.CANNY.run(txt, Map.of()));
        assertTrue(e.getMessage().contains(txt.toString()), e.getMessage());
        Path missing = dir.resolve("missing.png");
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.CANNY.run(missing, Map.of()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.OPENPOSE.apply(Image.blank(2, 2, 3), Map.of()));
        assertTrue(e.getMessage().contains("JSON"), e.getMessage());
    }

    @Test
    void annotatorsImportNothingElseOfTheProject() throws IOException {
        Path src = Path.of("src/main/java/io/easel/annotators");
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import io.easel.") || line.startsWith("import static io.easel.")) {
                        assertTrue(line.contains("io.easel.annotators."), f.getFileName() + ": " + line);
                    }
                }
            }
        }
    }
}
