package io.easel.train.shapes;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CaptionsTest {
    @Test
    void parsesTheGrammarAndWritesItBack() {
        for (String s : List.of("a large green circle", "a red star left of a small blue ring on a striped background",
                "a yellow triangle above a purple square on a plain background", "an orange stick figure",
                "a small white ring below a cyan stick figure and an orange square on a gradient background",
                "a blue square right of a large red star")) {
            assertEquals(s, Captions.parse(s).text(), s);
        }
        Captions.Caption c = Captions.parse("a red star left of a small blue ring and a green stick figure on a striped background");
        assertEquals(RelationKind.LEFT_OF, c.relation());
        assertEquals(Background.Kind.STRIPED, c.background());
        assertEquals(List.of(new Captions.Phrase(null, NamedColor.RED, ShapeKind.STAR),
                new Captions.Phrase(SizeClass.SMALL, NamedColor.BLUE, ShapeKind.RING),
                new Captions.Phrase(null, NamedColor.GREEN, ShapeKind.STICK_FIGURE)), c.phrases());
        assertNull(Captions.parse("a large green circle").relation());
    }

    @Test
    void articleFollowsTheNextWord() {
        assertEquals("an orange star", new Captions.Phrase(null, NamedColor.ORANGE, ShapeKind.STAR).text());
        assertEquals("a large orange star", new Captions.Phrase(SizeClass.LARGE, NamedColor.ORANGE, ShapeKind.STAR).text());
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a orange star"));
    }

    @Test
    void errorsNameTheCaptionAndTheWord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red hexagon"));
        assertTrue(e.getMessage().contains("a red hexagon") && e.getMessage().contains("hexagon"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red star near a blue ring"));
        assertTrue(e.getMessage().contains("near"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red star on a wavy background"));
        assertTrue(e.getMessage().contains("wavy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red star left of"));
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red star and a blue ring"));
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red star on a plain background please"));
    }
}
