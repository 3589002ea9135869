package io.easel.train.shapes;

import java.util.Locale;

/**
 * The eight object colours of the shapes world: saturated or white, far apart from each other in
 * RGB (at least 85 apart) and from every background colour ({@link Background#PALETTE}, at least
 * 90 apart), so a nearest-colour rule recovers them from a rendered or generated image.
 */
public enum NamedColor {
    RED(220, 30, 30),
    ORANGE(250, 140, 20),
    YELLOW(240, 225, 40),
    GREEN(40, 180, 60),
    CYAN(30, 210, 220),
    BLUE(40, 80, 230),
    PURPLE(150, 60, 210),
    WHITE(250, 250, 250);

    private final Rgb rgb;

    NamedColor(int r, int g, int b) {
        this.rgb = new Rgb(r, g, b);
    }

    /** The colour rendered for this name. */
    public Rgb rgb() {
        return rgb;
    }

    /** The caption word ("red"). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The colour named by a caption word. */
    public static NamedColor fromWord(String word) {
        for (NamedColor c : values()) if (c.word().equals(word)) return c;
        throw new IllegalArgumentException("unknown colour '" + word + "'; expected one of red, orange, yellow, green, cyan, blue, purple, white");
    }
}
