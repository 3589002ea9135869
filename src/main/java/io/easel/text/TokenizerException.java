package io.easel.text;

/**
 * A tokenizer vocabulary that cannot be read or does not fit: the message names the file and,
 * where known, the line or entry.
 */
public class TokenizerException extends IllegalArgumentException {
    /** @param message one line naming the file and the problem */
    public TokenizerException(String message) { super(message); }

    /**
     * @param message one line naming the file and the problem
     * @param cause the underlying failure, usually an I/O error
     */
    public TokenizerException(String message, Throwable cause) { super(message, cause); }
}
