package io.easel.train.shapes;

import java.util.List;
import java.util.Locale;

/**
 * A scene's background: plain, a vertical gradient (top colour to bottom colour), or two-colour
 * stripes, always in the muted colours of {@link #PALETTE}.
 *
 * @param kind        plain, gradient or striped
 * @param colors      one colour (plain) or two (gradient: top, bottom; striped: first, second stripe)
 * @param stripes     stripe direction, null unless striped
 * @param stripeWidth width of one stripe in pixels (0 unless striped)
 * @param stripePhase offset of the stripe pattern in pixels, 0..2*stripeWidth-1 (0 unless striped)
 */
public record Background(Kind kind, List<Rgb> colors, Stripes stripes, int stripeWidth, int stripePhase) {

    /**
     * Muted background colours: low saturation, never brighter than 160, so they stay far from
     * every {@link NamedColor} (at least 90 in RGB distance, checked by a test).
     */
    public static final List<Rgb> PALETTE = List.of(
            new Rgb(72, 84, 96),    // slate
            new Rgb(120, 118, 112), // stone
            new Rgb(100, 100, 72),  // olive grey
            new Rgb(118, 92, 84),   // clay
            new Rgb(52, 58, 84),    // navy grey
            new Rgb(40, 40, 44),    // charcoal
            new Rgb(76, 90, 76),    // moss grey
            new Rgb(92, 78, 96),    // plum grey
            new Rgb(150, 142, 122)  // sand
    );

    /** Background kinds; the caption word is the lower-case name. */
    public enum Kind {
        PLAIN, GRADIENT, STRIPED;

        /** The caption word ("striped"). */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind named by a caption word. */
        public static Kind fromWord(String word) {
            for (Kind k : values()) if (k.word().equals(word)) return k;
            throw new IllegalArgumentException("unknown background '" + word + "'; expected plain, gradient or striped");
        }
    }

    /**
     * Stripe directions. (No diagonal stripes: OpenCV's Canny suppresses the symmetric plateau of
     * a 45-degree staircase, so their borders would be edges in some scenes and not in others.)
     */
    public enum Stripes { HORIZONTAL, VERTICAL }

    /** Validates the fields against the kind. */
    public Background {
        colors = List.copyOf(colors);
        int need = kind == Kind.PLAIN ? 1 : 2;
        if (colors.size() != need) {
            throw new IllegalArgumentException(kind.word() + " background needs " + need + " colours, got " + colors.size());
        }
        if (kind == Kind.STRIPED) {
            if (stripes == null || stripeWidth < 1 || stripePhase < 0 || stripePhase >= 2 * stripeWidth) {
                throw new IllegalArgumentException("striped background needs a direction, a width >= 1 and a phase in 0.."
                        + (2 * stripeWidth - 1) + ", got " + stripes + ", " + stripeWidth + ", " + stripePhase);
            }
        } else if (stripes != null || stripeWidth != 0 || stripePhase != 0) {
            throw new IllegalArgumentException(kind.word() + " background has no stripes");
        }
    }

    /** A plain background. */
    public static Background plain(Rgb c) {
        return new Background(Kind.PLAIN, List.of(c), null, 0, 0);
    }

    /** A vertical gradient from {@code top} (row 0) to {@code bottom} (last row). */
    public static Background gradient(Rgb top, Rgb bottom) {
        return new Background(Kind.GRADIENT, List.of(top, bottom), null, 0, 0);
    }

    /** Stripes of {@code width} pixels alternating {@code a} and {@code b}. */
    public static Background striped(Rgb a, Rgb b, Stripes dir, int width, int phase) {
        return new Background(Kind.STRIPED, List.of(a, b), dir, width, phase);
    }

    /** The colour at pixel (x, y) of a {@code width x height} canvas. */
    public Rgb at(int x, int y, int width, int height) {
        return switch (kind) {
            case PLAIN -> colors.get(0);
            case GRADIENT -> colors.get(0).blend(colors.get(1), height == 1 ? 0 : (double) y / (height - 1));
            case STRIPED -> {
                int t = stripes == Stripes.HORIZONTAL ? y : x;
                yield colors.get(((t + stripePhase) / stripeWidth) % 2);
            }
        };
    }
}
