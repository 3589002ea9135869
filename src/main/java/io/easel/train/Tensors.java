package io.easel.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Ownership helpers for tensors that must outlive the {@link PointerScope} they were made in. */
final class Tensors {
    private Tensors() {}

    /**
     * Takes {@code t} out of the innermost scope, so that closing the scope leaves it alive; the
     * caller then owns it and frees it with {@code close()}.
     */
    static Tensor keep(Tensor t) {
        // A scope releases one reference per pointer it holds; the extra one survives it.
        t.retainReference();
        return t;
    }
}
