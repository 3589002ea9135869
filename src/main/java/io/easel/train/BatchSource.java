package io.easel.train;

/**
 * The training examples, addressed by index; the trainer decides the order (see {@link DataOrder})
 * and asks for one micro-batch at a time.
 *
 * @param <B> what one batch is (tensors, captions...), as the {@link Objective} consumes it
 */
public interface BatchSource<B> {
    /** The number of examples; at least 1. */
    int size();

    /** The batch made of these examples, in this order. */
    B batch(int[] indices);

    /**
     * Identifies the data (e.g. a hash of the file list), recorded in checkpoints so that a
     * resume on other data is refused; empty when unknown.
     */
    default String fingerprint() { return ""; }
}
