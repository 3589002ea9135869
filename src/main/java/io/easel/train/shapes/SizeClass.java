package io.easel.train.shapes;

import java.util.Locale;

/** Object size: small or large, about 1.7 times apart in linear size. */
public enum SizeClass {
    SMALL, LARGE;

    /** The caption word ("small"). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The size named by a caption word. */
    public static SizeClass fromWord(String word) {
        for (SizeClass s : values()) if (s.word().equals(word)) return s;
        throw new IllegalArgumentException("unknown size '" + word + "'; expected small or large");
    }
}
