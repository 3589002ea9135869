package io.easel.weights;

import java.util.List;
import java.util.Map;

/**
 * Facts a single file does not carry, given by the user ({@code --arch}) or a case's
 * {@code arch_overrides}; null fields mean "use the convention" (SD1 UNet: 8 heads per block;
 * SD2 UNet: channels / 64 heads; text encoder: width / 64 heads).
 *
 * @param family                the family, overriding what the shapes suggest
 * @param textEncoderHeads      the text encoder's attention head count
 * @param unetAttentionHeadDim  diffusers' {@code attention_head_dim}: heads per down block
 *                              (one entry = the same count in every block)
 */
public record ArchOverrides(Family family, Integer textEncoderHeads, List<Integer> unetAttentionHeadDim) {
    public static final ArchOverrides NONE = new ArchOverrides(null, null, null);

    public ArchOverrides {
        if (unetAttentionHeadDim != null) unetAttentionHeadDim = List.copyOf(unetAttentionHeadDim);
        if (textEncoderHeads != null && textEncoderHeads <= 0) throw new IllegalArgumentException("text_encoder_heads must be positive");
        if (unetAttentionHeadDim != null && unetAttentionHeadDim.stream().anyMatch(h -> h <= 0))
            throw new IllegalArgumentException("unet_attention_head_dim entries must be positive");
    }

    public static ArchOverrides of(Family family) { return new ArchOverrides(family, null, null); }

    public ArchOverrides withFamily(Family f) { return new ArchOverrides(f, textEncoderHeads, unetAttentionHeadDim); }

    /**
     * From a parsed {@code arch_overrides} JSON object: {@code text_encoder_heads} (number),
     * {@code unet_attention_head_dim} (number or list), {@code arch} ("sd1" / "sd2"). Unknown
     * fields are refused by name.
     */
    public static ArchOverrides fromMap(Map<String, ?> m) {
        Family family = null;
        Integer heads = null;
        List<Integer> unet = null;
        for (Map.Entry<String, ?> e : m.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "arch", "family" -> family = Family.parse(String.valueOf(v));
                case "text_encoder_heads" -> heads = ((Number) v).intValue();
                case "unet_attention_head_dim" -> unet = v instanceof List<?> l
                        ? l.stream().map(x -> ((Number) x).intValue()).toList()
                        : null;
                default -> throw new IllegalArgumentException("unknown arch override '" + e.getKey() + "'");
            }
            if (e.getKey().equals("unet_attention_head_dim") && unet == null) unet = List.of(((Number) v).intValue());
        }
        return new ArchOverrides(family, heads, unet);
    }
}
