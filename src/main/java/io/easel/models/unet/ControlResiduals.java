package io.easel.models.unet;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * Residuals added to the UNet's skip connections (one per down-block output, 12 for SD) and to
 * its middle-block output, as a ControlNet produces them.
 */
public record ControlResiduals(List<Tensor> down, Tensor mid) {
    public ControlResiduals {
        down = List.copyOf(down);
    }

    /** Element-wise sum of two sets of residuals (several control units). */
    public ControlResiduals plus(ControlResiduals o) {
        if (o == null) return this;
        if (o.down.size() != down.size()) throw new IllegalArgumentException("residual counts differ: " + down.size() + " vs " + o.down.size());
        Tensor[] d = new Tensor[down.size()];
        for (int i = 0; i < d.length; i++) d[i] = down.get(i).add(o.down.get(i));
        return new ControlResiduals(List.of(d), mid.add(o.mid));
    }
}
