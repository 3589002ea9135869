package io.easel.train.shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * The caption grammar of the shapes world, written and parsed:
 * <pre>
 * caption    := phrase [ " " relation " " phrase [ " and " phrase ] ] [ " on a " background " background" ]
 * phrase     := article " " [ size " " ] colour " " shape
 * article    := "a" | "an"                      ("an" before a vowel: "an orange star")
 * size       := "small" | "large"
 * colour     := "red" | "orange" | "yellow" | "green" | "cyan" | "blue" | "purple" | "white"
 * shape      := "circle" | "square" | "triangle" | "star" | "ring" | "stick figure"
 * relation   := "left of" | "right of" | "above" | "below"
 * background := "plain" | "gradient" | "striped"
 * </pre>
 * With three objects the relation holds between the first and each of the other two: "a red star
 * left of a blue ring and a green circle" puts the star left of both. Examples: "a large green
 * circle", "a red star left of a small blue ring on a striped background", "a yellow triangle above
 * a purple square on a plain background".
 */
public final class Captions {
    private Captions() {}

    /**
     * One named object of a caption.
     *
     * @param size  the size word, or null when the caption gives none
     * @param color the colour
     * @param shape the shape
     */
    public record Phrase(SizeClass size, NamedColor color, ShapeKind shape) {
        /** The phrase as the grammar writes it, with its article ("an orange star"). */
        public String text() {
            String words = (size == null ? "" : size.word() + " ") + color.word() + " " + shape.word();
            return article(words) + " " + words;
        }
    }

    /**
     * A parsed caption.
     *
     * @param phrases    1 to 3 phrases, the subject first
     * @param relation   the relation of the first phrase to the others, null with one phrase
     * @param background the background word, or null when the caption gives none
     */
    public record Caption(List<Phrase> phrases, RelationKind relation, Background.Kind background) {
        /** Checks the shape of the caption. */
        public Caption {
            phrases = List.copyOf(phrases);
            if (phrases.isEmpty() || phrases.size() > 3) {
                throw new IllegalArgumentException("a caption names 1 to 3 objects, got " + phrases.size());
            }
            if ((relation == null) != (phrases.size() == 1)) {
                throw new IllegalArgumentException("a caption has a relation exactly when it names more than one object");
            }
        }

        /** The caption text. */
        public String text() {
            StringBuilder sb = new StringBuilder(phrases.get(0).text());
            if (relation != null) {
                sb.append(' ').append(relation.words()).append(' ').append(phrases.get(1).text());
                if (phrases.size() == 3) sb.append(" and ").append(phrases.get(2).text());
            }
            if (background != null) sb.append(" on a ").append(background.word()).append(" background");
            return sb.toString();
        }
    }

    /** "a" or "an" for the words that follow. */
    static String article(String following) {
        return "aeiou".indexOf(following.charAt(0)) >= 0 ? "an" : "a";
    }

    /**
     * Writes the caption of a scene's objects.
     *
     * @param objects     the scene's objects
     * @param relation    the relation (null with one object); the caption names its subject first,
     *                    then its others in order
     * @param sizeWords   per object, whether to say its size
     * @param background  the background kind to name, or null to leave it out
     */
    static Caption of(List<SceneObject> objects, Relation relation, boolean[] sizeWords, Background.Kind background) {
        List<Integer> order = new ArrayList<>();
        if (relation == null) {
            order.add(0);
        } else {
            order.add(relation.subject());
            order.addAll(relation.others());
        }
        List<Phrase> phrases = new ArrayList<>();
        for (int i : order) {
            SceneObject o = objects.get(i);
            phrases.add(new Phrase(sizeWords[i] ? o.size() : null, o.color(), o.shape()));
        }
        return new Caption(phrases, relation == null ? null : relation.kind(), background);
    }

    /** The ways a {@link #hardNegatives hard negative} contradicts its caption. */
    public enum NegativeKind {
        /** the relation turned round: "left of" for "right of", "above" for "below" */
        RELATION,
        /** the subject and the first other object trade places in the sentence */
        ORDER,
        /** the subject and the first other object trade colours (attribute binding) */
        BINDING
    }

    /**
     * Captions of the same words, or nearly, that say something false of the scene: NegCLIP's hard
     * negatives (Yuksekgonul et al., "When and why vision-language models behave like bags-of-words",
     * ICLR 2023), made exactly from the grammar. One caption per {@link NegativeKind} that changes the
     * text; none for a one-object caption or text outside the grammar.
     */
    public static java.util.Map<NegativeKind, String> hardNegatives(String caption) {
        java.util.Map<NegativeKind, String> out = new java.util.EnumMap<>(NegativeKind.class);
        Caption c;
        try {
            c = parse(caption);
        } catch (IllegalArgumentException e) {
            return out;
        }
        if (c.relation() == null) return out;
        List<Phrase> p = c.phrases();
        RelationKind opposite = switch (c.relation()) {
            case LEFT_OF -> RelationKind.RIGHT_OF;
            case RIGHT_OF -> RelationKind.LEFT_OF;
            case ABOVE -> RelationKind.BELOW;
            case BELOW -> RelationKind.ABOVE;
        };
        out.put(NegativeKind.RELATION, new Caption(p, opposite, c.background()).text());
        List<Phrase> swapped = new ArrayList<>(p);
        swapped.set(0, p.get(1));
        swapped.set(1, p.get(0));
        String order = new Caption(swapped, c.relation(), c.background()).text();
        List<Phrase> recoloured = new ArrayList<>(p);
        recoloured.set(0, new Phrase(p.get(0).size(), p.get(1).color(), p.get(0).shape()));
        recoloured.set(1, new Phrase(p.get(1).size(), p.get(0).color(), p.get(1).shape()));
        String binding = new Caption(recoloured, c.relation(), c.background()).text();
        String text = c.text();
        if (!order.equals(text)) out.put(NegativeKind.ORDER, order);
        if (!binding.equals(text) && !binding.equals(order)) out.put(NegativeKind.BINDING, binding);
        return out;
    }

    /**
     * Parses a caption of the grammar.
     *
     * @throws IllegalArgumentException naming the caption and the first word that does not fit
     */
    public static Caption parse(String caption) {
        String[] w = caption.trim().split("\\s+");
        int[] pos = {0};
        try {
            List<Phrase> phrases = new ArrayList<>();
            phrases.add(phrase(w, pos));
            RelationKind rel = null;
            if (pos[0] < w.length && !w[pos[0]].equals("on")) {
                String r = w[pos[0]];
                if ((r.equals("left") || r.equals("right")) && pos[0] + 1 < w.length) {
                    r = r + " " + w[pos[0] + 1];
                    pos[0]++;
                }
                rel = RelationKind.fromWords(r);
                pos[0]++;
                phrases.add(phrase(w, pos));
                if (pos[0] < w.length && w[pos[0]].equals("and")) {
                    pos[0]++;
                    phrases.add(phrase(w, pos));
                }
            }
            Background.Kind bg = null;
            if (pos[0] < w.length) {
                expect(w, pos, "on");
                expect(w, pos, "a");
                if (pos[0] >= w.length) throw new IllegalArgumentException("missing background word");
                bg = Background.Kind.fromWord(w[pos[0]++]);
                expect(w, pos, "background");
            }
            if (pos[0] < w.length) throw new IllegalArgumentException("unexpected '" + w[pos[0]] + "'");
            Caption c = new Caption(phrases, rel, bg);
            if (!c.text().equals(String.join(" ", w))) {
                throw new IllegalArgumentException("wrong article; expected '" + c.text() + "'");
            }
            return c;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("caption '" + caption + "' is not in the shapes grammar: " + e.getMessage(), e);
        }
    }

    private static Phrase phrase(String[] w, int[] pos) {
        if (pos[0] >= w.length || !(w[pos[0]].equals("a") || w[pos[0]].equals("an"))) {
            throw new IllegalArgumentException("expected 'a' or 'an' at word " + (pos[0] + 1));
        }
        pos[0]++;
        SizeClass size = null;
        if (pos[0] < w.length && (w[pos[0]].equals("small") || w[pos[0]].equals("large"))) {
            size = SizeClass.fromWord(w[pos[0]++]);
        }
        if (pos[0] + 1 >= w.length) throw new IllegalArgumentException("expected a colour and a shape at word " + (pos[0] + 1));
        NamedColor color = NamedColor.fromWord(w[pos[0]++]);
        String shape = w[pos[0]++];
        if (shape.equals("stick")) {
            expect(w, pos, "figure");
            shape = "stick figure";
        }
        return new Phrase(size, color, ShapeKind.fromWord(shape));
    }

    private static void expect(String[] w, int[] pos, String word) {
        if (pos[0] >= w.length || !w[pos[0]].equals(word)) {
            throw new IllegalArgumentException("expected '" + word + "' at word " + (pos[0] + 1)
                    + (pos[0] < w.length ? ", got '" + w[pos[0]] + "'" : ""));
        }
        pos[0]++;
    }
}
