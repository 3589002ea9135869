package io.easel.train.shapes;

/** A spatial relation between the caption's first object and the others. */
public enum RelationKind {
    LEFT_OF("left of"), RIGHT_OF("right of"), ABOVE("above"), BELOW("below");

    private final String words;

    RelationKind(String words) {
        this.words = words;
    }

    /** The caption words ("left of"). */
    public String words() {
        return words;
    }

    /** Whether the relation is along x (left/right) rather than y. */
    public boolean horizontal() {
        return this == LEFT_OF || this == RIGHT_OF;
    }

    /**
     * Whether a point at {@code (ax, ay)} stands in this relation to one at {@code (bx, by)} with at
     * least {@code margin} pixels between them along the relation's axis (image y grows downwards).
     */
    public boolean holds(double ax, double ay, double bx, double by, double margin) {
        return switch (this) {
            case LEFT_OF -> bx - ax >= margin;
            case RIGHT_OF -> ax - bx >= margin;
            case ABOVE -> by - ay >= margin;
            case BELOW -> ay - by >= margin;
        };
    }

    /** The relation named by caption words ("left of"). */
    public static RelationKind fromWords(String words) {
        for (RelationKind r : values()) if (r.words.equals(words)) return r;
        throw new IllegalArgumentException("unknown relation '" + words + "'; expected left of, right of, above or below");
    }
}
