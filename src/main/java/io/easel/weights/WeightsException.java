package io.easel.weights;

/** A checkpoint that cannot be read or does not fit: the message names the file and, where known, the key. */
public class WeightsException extends RuntimeException {
    public WeightsException(String message) { super(message); }
    public WeightsException(String message, Throwable cause) { super(message, cause); }
}
