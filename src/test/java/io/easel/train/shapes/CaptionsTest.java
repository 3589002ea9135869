package io.easel.train.shapes;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

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
    void hardNegativesContradictTheCaptionWithItsOwnWords() {
        var n = Captions.hardNegatives("a red star left of a small orange ring on a striped background");
        assertEquals(Map.of(Captions.NegativeKind.RELATION, "a red star right of a small orange ring on a striped background",
                Captions.NegativeKind.ORDER, "a small orange ring left of a red star on a striped background",
                Captions.NegativeKind.BINDING, "an orange star left of a small red ring on a striped background"), n);
        // three objects: the relation and the first two phrases change, the third stays
        n = Captions.hardNegatives("a blue square above a green circle and a white ring");
        assertEquals("a blue square below a green circle and a white ring", n.get(Captions.NegativeKind.RELATION));
        assertEquals("a green circle above a blue square and a white ring", n.get(Captions.NegativeKind.ORDER));
        assertEquals("a green square above a blue circle and a white ring", n.get(Captions.NegativeKind.BINDING));
        // same shape and size: swapping the colours is swapping the objects, kept once
        n = Captions.hardNegatives("a red ring below a blue ring");
        assertEquals(Map.of(Captions.NegativeKind.RELATION, "a red ring above a blue ring",
                Captions.NegativeKind.ORDER, "a blue ring below a red ring"), n);
        // every negative is a caption of the grammar with the same objects
        for (String c : List.of("a yellow triangle right of a large purple stick figure", "a small cyan star below an orange circle on a plain background")) {
            for (String neg : Captions.hardNegatives(c).values()) {
                assertNotEquals(c, neg);
                assertEquals(neg, Captions.parse(neg).text());
                assertEquals(Captions.parse(c).phrases().size(), Captions.parse(neg).phrases().size());
            }
        }
        assertTrue(Captions.hardNegatives("a large green circle on a plain background").isEmpty(), "one object: nothing to swap");
        assertTrue(Captions.hardNegatives("a photo of a cat").isEmpty(), "outside the grammar: none");
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
