package io.easel.models.layers;

import org.bytedeco.pytorch.Tensor;

/**
 * Extension point for extra attention inputs (image prompts and the like): called by every
 * cross-attention layer after its own attention, before the output projection.
 */
@FunctionalInterface
public interface AttentionAdapter {
    /**
     * @param layer the cross-attention layer's key path, e.g. {@code down_blocks.0.attentions.0.transformer_blocks.0.attn2}
     * @param query the layer's projected query [B,N,H*d]
     * @param heads the layer's head count
     * @return a tensor [B,N,H*d] to add to the attention output, or null for none
     */
    Tensor extra(String layer, Tensor query, int heads);
}
