package io.easel.tensor;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.function.Supplier;

/**
 * Native memory scoping for forward passes. Every tensor libtorch returns to Java holds its
 * memory until the Java object is released; inside a block, {@link #run} frees all temporaries
 * the moment the block returns, so peak memory follows the network's live activations instead of
 * everything a forward pass ever created.
 */
public final class Scopes {
    private Scopes() {}

    /**
     * Runs {@code body} in a fresh scope; every tensor it created is freed on return except the
     * result, which moves to the enclosing scope (or, without one, to the caller).
     */
    public static Tensor run(Supplier<Tensor> body) {
        Tensor out;
        try (PointerScope s = new PointerScope()) {
            out = body.get();
            out.retainReference();
        }
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.attach(out);
            out.releaseReference();
        }
        return out;
    }
}
