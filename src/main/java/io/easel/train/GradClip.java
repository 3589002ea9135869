package io.easel.train;

import io.easel.tensor.T;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/** Global-norm gradient clipping, operation for operation as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {}

    /** The L2 norm of all gradients together (parameters without a gradient are skipped); changes nothing. */
    public static double totalNorm(List<Tensor> params) {
        try (NoGradGuard g = new NoGradGuard(); var s = new org.bytedeco.javacpp.PointerScope()) {
            Tensor total = total(grads(params));
            return total == null ? 0 : total.item().toDouble();
        }
    }

    /**
     * Scales all gradients by {@code maxNorm / (total + 1e-6)} when that is below 1 and returns
     * the total norm before clipping. As PyTorch: per-tensor L2 norms, the norm of their stack,
     * {@code clip_coef = max_norm / (total + 1e-6)} in float32 clamped at 1, and every gradient
     * multiplied by it (a multiplication by 1 leaves them unchanged).
     *
     * @param maxNorm the largest norm allowed; must be positive
     */
    public static double clip(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max gradient norm must be positive, got " + maxNorm);
        try (NoGradGuard g = new NoGradGuard(); var s = new org.bytedeco.javacpp.PointerScope()) {
            List<Tensor> grads = grads(params);
            Tensor total = total(grads);
            if (total == null) return 0;
            // float / Tensor in Python is reciprocal(tensor) * float
            Tensor coef = total.add(T.s(1e-6)).reciprocal().mul(T.s(maxNorm));
            Tensor clamped = torch.clamp(coef, new ScalarOptional(), new ScalarOptional(new Scalar(1.0)));
            for (Tensor gr : grads) gr.mul_(clamped);
            return total.item().toDouble();
        }
    }

    private static List<Tensor> grads(List<Tensor> params) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            Tensor gr = p.grad();
            if (gr.defined()) out.add(gr);
        }
        return out;
    }

    private static Tensor total(List<Tensor> grads) {
        if (grads.isEmpty()) return null;
        Tensor[] norms = new Tensor[grads.size()];
        for (int i = 0; i < norms.length; i++) norms[i] = torch.linalg_vector_norm(grads.get(i));
        return torch.linalg_vector_norm(torch.stack(new TensorVector(norms)));
    }
}
