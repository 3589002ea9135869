package io.easel.train;

import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

/** Free-standing {@link Param}s for optimizer tests (Param's constructor is package-private to io.easel.tensor). */
final class TestParams {
    private TestParams() {}

    private static final class Holder extends Module {
        final Param p;
        Holder(long[] shape) { p = param("p", shape); }
    }

    static Param of(Tensor t) {
        Param p = new Holder(T.shape(t)).p;
        p.set(t);
        return p;
    }
}
