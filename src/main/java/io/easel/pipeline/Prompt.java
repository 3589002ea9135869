package io.easel.pipeline;

/**
 * The text side of a generation.
 *
 * @param text     the prompt; longer than 75 tokens is split into 75-token chunks encoded separately
 * @param negative the negative prompt ("" for none), encoded the same way as the unconditional input
 * @param clipSkip 1 = the text encoder's last layer (SD default), 2 = the penultimate ("clip skip 2"), ...
 */
public record Prompt(String text, String negative, int clipSkip) {
    public Prompt {
        if (text == null) throw new IllegalArgumentException("prompt must not be null");
        if (negative == null) negative = "";
        if (clipSkip < 1 || clipSkip > 12) throw new IllegalArgumentException("--clip-skip must be within 1..12, got " + clipSkip);
    }

    public Prompt(String text) { this(text, "", 1); }
}
