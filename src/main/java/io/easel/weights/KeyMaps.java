package io.easel.weights;

import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every foreign key layout Easel reads, mapped to the diffusers / transformers names its models
 * register. The renames are data: pair tables {@code {foreign, diffusers}} matched on whole
 * dotted segments; the only code is the index arithmetic of LDM's flat block lists, done the
 * way diffusers' {@code convert_ldm_unet_checkpoint} does it. Mapping reads headers only.
 *
 * <p>Layouts: LDM single files ({@code model.diffusion_model.*} UNet, {@code first_stage_model.*}
 * VAE, {@code cond_stage_model.transformer.*} OpenAI CLIP or {@code cond_stage_model.model.*}
 * OpenCLIP), the same components as bare files, original ControlNets (bare or with the
 * {@code control_model.} prefix) and diffusers / transformers files, which pass through with
 * their extras dropped.
 *
 * <p>The public factories are strict: a key inside the component that no table knows is a
 * {@link WeightsException} naming it. Known extras ({@link #KNOWN_EXTRAS}) are counted on the
 * returned {@link MappedSource}.
 *
 * <p>Exporting ({@code toLdmUnet}, {@code toLdmVae}, {@code toLdmTextEncoder},
 * {@code toOriginalControlNet}) reads the same pair tables backwards (column {@link #DIFFUSERS}
 * to column {@link #FOREIGN}) and inverts the index arithmetic. Each export is mapped forward
 * again before it is returned and must give back every key it came from, so the two directions
 * cannot drift apart.
 */
public final class KeyMaps {
    private KeyMaps() {}

    // ---- Prefixes of the LDM single-file layout and of original ControlNets.
    public static final String LDM_UNET = "model.diffusion_model.";
    public static final String LDM_VAE = "first_stage_model.";
    public static final String LDM_TEXT = "cond_stage_model.";
    public static final String LDM_CLIP = "cond_stage_model.transformer.";
    public static final String LDM_OPENCLIP = "cond_stage_model.model.";
    public static final String CONTROL_MODEL = "control_model.";

    /** Keys every reader may meet and no model needs: regex (found anywhere in the key), reason. */
    static final String[][] KNOWN_EXTRAS = {
            {"^model_ema\\.", "EMA weights"},
            {"(^|\\.)position_ids$", "position_ids buffers"},
            {"^(betas|alphas_cumprod|alphas_cumprod_prev|sqrt_\\w+|log_one_minus_alphas_cumprod|posterior_\\w+|lvlb_weights|logvar)$", "noise-schedule buffers"},
            {"(^|\\.)(text_projection|logit_scale)(\\.weight)?$", "CLIP projection (unused by the text model)"},
            {"(^|\\.)attn_mask$", "attention-mask buffers"},
            {"^(first_stage_model\\.)?loss\\.", "VAE training-loss weights"},
    };
    /** The reason given for the last OpenCLIP block of an SD2 file. */
    static final String UNUSED_LAST_LAYER = "last text layer (SD2 uses the penultimate)";
    /** The reason given for base-model weights bundled in a full ControlNet v1.0 checkpoint. */
    static final String BUNDLED_BASE = "base model bundled with the ControlNet";
    private static final Pattern BUNDLED_BASE_KEYS = Pattern.compile("^(model\\.diffusion_model|first_stage_model|cond_stage_model)\\.");

    // ---- UNet (and the encoder half that a ControlNet shares).
    /** Single tensors. */
    static final String[][] UNET_TOP = {
            {"time_embed.0", "time_embedding.linear_1"},
            {"time_embed.2", "time_embedding.linear_2"},
            {"input_blocks.0.0", "conv_in"},
            {"out.0", "conv_norm_out"},
            {"out.2", "conv_out"},
    };
    /** The middle block: resnet, transformer, resnet. */
    static final String[][] UNET_MIDDLE_RESNETS = {
            {"middle_block.0", "mid_block.resnets.0"},
            {"middle_block.2", "mid_block.resnets.1"},
    };
    static final String[][] UNET_MIDDLE_ATTENTION = {
            {"middle_block.1", "mid_block.attentions.0"},
    };
    /** Inside a ResBlock. The transformer blocks' sub-keys (norm, proj_in, transformer_blocks...) are spelt alike in both layouts. */
    static final String[][] UNET_RESNET = {
            {"in_layers.0", "norm1"},
            {"in_layers.2", "conv1"},
            {"emb_layers.1", "time_emb_proj"},
            {"out_layers.0", "norm2"},
            {"out_layers.3", "conv2"},
            {"skip_connection", "conv_shortcut"},
    };
    /** ControlNet's own parts; {@code input_hint_block} convs go to conv_in, blocks.N, conv_out in index order. */
    static final String[][] CONTROLNET_TOP = {
            {"middle_block_out.0", "controlnet_mid_block"},
    };
    private static final Pattern ZERO_CONV = Pattern.compile("^zero_convs\\.(\\d+)\\.0\\.(.+)$");
    private static final Pattern HINT = Pattern.compile("^input_hint_block\\.(\\d+)\\.(.+)$");
    private static final Pattern INPUT = Pattern.compile("^input_blocks\\.(\\d+)\\.(\\d+)\\.(.+)$");
    private static final Pattern OUTPUT = Pattern.compile("^output_blocks\\.(\\d+)\\.(\\d+)\\.(.+)$");

    // ---- VAE.
    static final String[][] VAE_TOP = {
            {"quant_conv", "quant_conv"},
            {"post_quant_conv", "post_quant_conv"},
    };
    /** Per side (encoder., decoder.). */
    static final String[][] VAE_SIDE = {
            {"conv_in", "conv_in"},
            {"conv_out", "conv_out"},
            {"norm_out", "conv_norm_out"},
    };
    static final String[][] VAE_MID_RESNETS = {
            {"mid.block_1", "mid_block.resnets.0"},
            {"mid.block_2", "mid_block.resnets.1"},
    };
    static final String[][] VAE_MID_ATTENTION = {
            {"mid.attn_1", "mid_block.attentions.0"},
    };
    static final String[][] VAE_RESNET = {
            {"norm1", "norm1"},
            {"conv1", "conv1"},
            {"norm2", "norm2"},
            {"conv2", "conv2"},
            {"nin_shortcut", "conv_shortcut"},
    };
    /** LDM's AttnBlock uses 1x1 convs; diffusers' Attention uses linears (weights reshaped [C,C,1,1] to [C,C]). */
    static final String[][] VAE_ATTENTION = {
            {"norm", "group_norm"},
            {"q", "to_q"},
            {"k", "to_k"},
            {"v", "to_v"},
            {"proj_out", "to_out.0"},
    };
    /** diffusers before 0.14 named the VAE attention differently. */
    static final String[][] DIFFUSERS_LEGACY_VAE_ATTENTION = {
            {"query", "to_q"},
            {"key", "to_k"},
            {"value", "to_v"},
            {"proj_attn", "to_out.0"},
    };
    private static final Pattern VAE_DOWN = Pattern.compile("^down\\.(\\d+)\\.(block\\.(\\d+)|downsample)\\.(.+)$");
    private static final Pattern VAE_UP = Pattern.compile("^up\\.(\\d+)\\.(block\\.(\\d+)|upsample)\\.(.+)$");
    private static final Pattern VAE_LINEAR = Pattern.compile("mid_block\\.attentions\\.0\\.(to_q|to_k|to_v|to_out\\.0)\\.weight$");
    private static final Pattern DIFFUSERS_VAE_ATTENTION = Pattern.compile("^((?:encoder|decoder)\\.mid_block\\.attentions\\.0)\\.(.+)$");

    // ---- Text encoders.
    /** OpenCLIP (SD2) to transformers' CLIPTextModel. */
    static final String[][] OPENCLIP_TOP = {
            {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
            {"token_embedding", "text_model.embeddings.token_embedding"},
            {"ln_final", "text_model.final_layer_norm"},
    };
    static final String[][] OPENCLIP_LAYER = {
            {"ln_1", "layer_norm1"},
            {"ln_2", "layer_norm2"},
            {"mlp.c_fc", "mlp.fc1"},
            {"mlp.c_proj", "mlp.fc2"},
            {"attn.out_proj", "self_attn.out_proj"},
    };
    /** OpenCLIP's fused attention input projection [3D, D] splits into these, in order. */
    static final String[] OPENCLIP_QKV = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"};
    static final String[][] OPENCLIP_FUSED = {
            {"attn.in_proj_weight", "weight"},
            {"attn.in_proj_bias", "bias"},
    };
    private static final Pattern RESBLOCK = Pattern.compile("^transformer\\.resblocks\\.(\\d+)\\.(.+)$");

    /** Column of a pair table: the foreign name, read when loading. */
    static final int FOREIGN = 0;
    /** Column of a pair table: the diffusers name, read when exporting (the same tables, read backwards). */
    static final int DIFFUSERS = 1;

    /**
     * {@code rest} renamed by the first pair whose foreign side is {@code rest} itself or a
     * leading run of its dotted segments; null when none matches.
     */
    static String rename(String rest, String[][] table) { return rename(rest, table, FOREIGN); }

    /** As {@link #rename(String, String[][])}, matching column {@code from} and giving the other one. */
    static String rename(String rest, String[][] table, int from) {
        int to = 1 - from;
        for (String[] p : table) {
            if (rest.equals(p[from])) return p[to];
            if (rest.startsWith(p[from]) && rest.charAt(p[from].length()) == '.') return p[to] + rest.substring(p[from].length());
        }
        return null;
    }

    /** {@code rest} renamed by a pair of {@code outer}, and what follows by a pair of {@code inner}; null when either misses. */
    static String rename(String rest, String[][] outer, String[][] inner) { return rename(rest, outer, inner, FOREIGN); }

    static String rename(String rest, String[][] outer, String[][] inner, int from) {
        int to = 1 - from;
        for (String[] p : outer) {
            if (rest.startsWith(p[from]) && rest.length() > p[from].length() + 1 && rest.charAt(p[from].length()) == '.') {
                String r = rename(rest.substring(p[from].length() + 1), inner, from);
                return r == null ? null : p[to] + "." + r;
            }
        }
        return null;
    }

    private static final Pattern[] EXTRA_PATTERNS = java.util.Arrays.stream(KNOWN_EXTRAS).map(e -> Pattern.compile(e[0])).toArray(Pattern[]::new);

    /** The reason a key is a known extra, or null. */
    static String extraReason(String key) {
        for (int i = 0; i < KNOWN_EXTRAS.length; i++) if (EXTRA_PATTERNS[i].matcher(key).find()) return KNOWN_EXTRAS[i][1];
        return null;
    }

    // =====================================================================================
    // Public factories (strict).

    /** The UNet of an LDM single file ({@code model.diffusion_model.*}) or of a bare LDM UNet file, under diffusers keys. */
    public static MappedSource ldmUnet(TensorSource file) { return mapLdmUnet(file).requireNoUnknown(); }

    /** The VAE of an LDM single file ({@code first_stage_model.*}) or of a bare LDM VAE file (vae-ft-mse...), under diffusers keys. */
    public static MappedSource ldmVae(TensorSource file) { return mapLdmVae(file).requireNoUnknown(); }

    /**
     * The text encoder of an LDM single file under transformers' CLIPTextModel keys: SD1's
     * {@code cond_stage_model.transformer.*} (with or without the {@code text_model.} segment),
     * or SD2's OpenCLIP {@code cond_stage_model.model.*} with q/k/v split and the last block
     * dropped (SD2 runs every block but the last, then the final layer norm), so the result is
     * a transformers model one layer shorter than the file.
     */
    public static MappedSource ldmTextEncoder(TensorSource file) { return mapLdmText(file).requireNoUnknown(); }

    /** A ControlNet in the original layout (bare keys or {@code control_model.}) or in diffusers', under diffusers' ControlNetModel keys. */
    public static MappedSource controlNet(TensorSource file) { return mapControlNet(file).requireNoUnknown(); }

    /**
     * A diffusers / transformers file as it is, less its known extras (position_ids...), with
     * the pre-0.14 VAE attention names (query, key, value, proj_attn) renamed.
     */
    public static MappedSource diffusers(TensorSource file, String component) { return mapDiffusers(file, component).requireNoUnknown(); }

    /** The UNet of any supported file (LDM single file, bare LDM UNet, diffusers UNet). */
    public static MappedSource unet(TensorSource file) {
        Layout l = Layout.of(file);
        return switch (l) {
            case LDM_CHECKPOINT, LDM_UNET -> ldmUnet(file);
            case DIFFUSERS_UNET -> diffusers(file, "UNet");
            default -> throw new WeightsException(file.path() + ": a " + l.label() + " file holds no UNet");
        };
    }

    /** The VAE of any supported file (LDM single file, bare LDM VAE, diffusers VAE). */
    public static MappedSource vae(TensorSource file) {
        Layout l = Layout.of(file);
        return switch (l) {
            case LDM_CHECKPOINT, LDM_VAE -> ldmVae(file);
            case DIFFUSERS_VAE -> diffusers(file, "VAE");
            default -> throw new WeightsException(file.path() + ": a " + l.label() + " file holds no VAE");
        };
    }

    /** The text encoder of any supported file (LDM single file, transformers CLIPTextModel). */
    public static MappedSource textEncoder(TensorSource file) {
        Layout l = Layout.of(file);
        return switch (l) {
            case LDM_CHECKPOINT -> ldmTextEncoder(file);
            case TRANSFORMERS_CLIP -> diffusers(file, "text encoder");
            default -> throw new WeightsException(file.path() + ": a " + l.label() + " file holds no text encoder");
        };
    }

    // =====================================================================================
    // Builders (lenient: unknown keys are listed, not thrown). Detection uses these.

    static boolean hasPrefix(TensorSource file, String prefix) {
        for (String k : file.infos().keySet()) if (k.startsWith(prefix)) return true;
        return false;
    }

    static MappedSource mapLdmUnet(TensorSource file) {
        String prefix = hasPrefix(file, LDM_UNET) ? LDM_UNET : "";
        if (prefix.isEmpty() && !hasPrefix(file, "input_blocks."))
            throw new WeightsException(file.path() + ": no LDM UNet in this file (no '" + LDM_UNET + "input_blocks.*' keys)");
        int layers = layersPerBlock(file, prefix);
        MappedSource.Builder b = new MappedSource.Builder(file, "UNet");
        for (String key : file.infos().keySet()) {
            if (!key.startsWith(prefix)) continue;
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            String t = unetKey(key.substring(prefix.length()), layers, false);
            if (t == null) b.unknown(key);
            else b.map(key, t);
        }
        return b.build();
    }

    /**
     * LDM numbers the encoder's blocks in one list: input_blocks.0 is conv_in, then per level
     * {@code layers} ResBlock(+transformer) blocks and one downsampler (none after the last level).
     * The first downsampler ({@code input_blocks.N.0.op}) therefore sits at N = layers + 1.
     */
    static int layersPerBlock(TensorSource file, String prefix) {
        Pattern in = Pattern.compile("^" + Pattern.quote(prefix) + "input_blocks\\.(\\d+)\\.(\\d+)\\.(.+)$");
        int firstOp = Integer.MAX_VALUE, maxIndex = -1;
        for (String k : file.infos().keySet()) {
            Matcher m = in.matcher(k);
            if (!m.matches()) continue;
            int n = Integer.parseInt(m.group(1));
            maxIndex = Math.max(maxIndex, n);
            if (m.group(2).equals("0") && m.group(3).startsWith("op.")) firstOp = Math.min(firstOp, n);
        }
        if (maxIndex < 1) throw new WeightsException(file.path() + ": missing '" + prefix + "input_blocks.1.*' (the UNet has no down blocks)");
        return firstOp == Integer.MAX_VALUE ? maxIndex : firstOp - 1;
    }

    /** A UNet key without prefix to its diffusers name; null when unknown. */
    static String unetKey(String rest, int layers, boolean controlNet) {
        String t = rename(rest, UNET_TOP);
        if (t != null) return controlNet && t.startsWith("conv_") && !t.startsWith("conv_in") ? null : t;
        if (rename(rest, UNET_MIDDLE_RESNETS) != null) return rename(rest, UNET_MIDDLE_RESNETS, UNET_RESNET);
        t = rename(rest, UNET_MIDDLE_ATTENTION);
        if (t != null) return t;
        Matcher m = INPUT.matcher(rest);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(1)), sub = Integer.parseInt(m.group(2));
            String tail = m.group(3);
            if (n == 0) return null;
            int i = (n - 1) / (layers + 1), j = (n - 1) % (layers + 1);
            String block = "down_blocks." + i + ".";
            if (j == layers) return sub == 0 && tail.startsWith("op.") ? block + "downsamplers.0.conv." + tail.substring(3) : null;
            if (sub == 0) return resnet(block + "resnets." + j, tail);
            if (sub == 1) return block + "attentions." + j + "." + tail;
            return null;
        }
        m = OUTPUT.matcher(rest);
        if (m.matches() && !controlNet) {
            int n = Integer.parseInt(m.group(1)), sub = Integer.parseInt(m.group(2));
            String tail = m.group(3);
            int i = n / (layers + 1), j = n % (layers + 1);
            String block = "up_blocks." + i + ".";
            if (sub == 0) return resnet(block + "resnets." + j, tail);
            // An upsampler is the only sub-block with a direct conv child.
            if (tail.startsWith("conv.") && (sub == 1 || sub == 2)) return block + "upsamplers.0." + tail;
            if (sub == 1) return block + "attentions." + j + "." + tail;
            return null;
        }
        return null;
    }

    /** {@code base.<ResBlock sub-key renamed>}; null when the sub-key is unknown. */
    private static String resnet(String base, String tail) {
        String r = rename(tail, UNET_RESNET);
        return r == null ? null : base + "." + r;
    }

    static MappedSource mapControlNet(TensorSource file) {
        if (hasPrefix(file, "controlnet_cond_embedding.")) return mapDiffusers(file, "ControlNet");
        String prefix = hasPrefix(file, CONTROL_MODEL) ? CONTROL_MODEL : "";
        if (!hasPrefix(file, prefix + "input_hint_block.") && !hasPrefix(file, prefix + "zero_convs."))
            throw new WeightsException(file.path() + ": not a ControlNet (no '" + prefix + "input_hint_block.*' or 'controlnet_cond_embedding.*' keys)");
        int layers = layersPerBlock(file, prefix);
        // The hint network is a Sequential of convs and SiLUs: its convs in index order are conv_in, blocks.0.., conv_out.
        TreeSet<Integer> hint = new TreeSet<>();
        for (String k : file.infos().keySet()) {
            if (!k.startsWith(prefix)) continue;
            Matcher m = HINT.matcher(k.substring(prefix.length()));
            if (m.matches()) hint.add(Integer.parseInt(m.group(1)));
        }
        MappedSource.Builder b = new MappedSource.Builder(file, "ControlNet");
        for (String key : file.infos().keySet()) {
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            if (!key.startsWith(prefix)) {
                if (BUNDLED_BASE_KEYS.matcher(key).find()) b.ignore(key, BUNDLED_BASE);
                else b.unknown(key);
                continue;
            }
            String rest = key.substring(prefix.length());
            String t = rename(rest, CONTROLNET_TOP);
            Matcher m;
            if (t == null && (m = ZERO_CONV.matcher(rest)).matches()) t = "controlnet_down_blocks." + m.group(1) + "." + m.group(2);
            if (t == null && (m = HINT.matcher(rest)).matches()) {
                int idx = Integer.parseInt(m.group(1));
                String name = idx == hint.first() ? "conv_in" : idx == hint.last() ? "conv_out" : "blocks." + (hint.headSet(idx).size() - 1);
                t = "controlnet_cond_embedding." + name + "." + m.group(2);
            }
            if (t == null) t = unetKey(rest, layers, true);
            if (t == null) b.unknown(key);
            else b.map(key, t);
        }
        return b.build();
    }

    static MappedSource mapLdmVae(TensorSource file) {
        String prefix = hasPrefix(file, LDM_VAE) ? LDM_VAE : "";
        if (!hasPrefix(file, prefix + "encoder.") && !hasPrefix(file, prefix + "decoder."))
            throw new WeightsException(file.path() + ": no LDM VAE in this file (no '" + LDM_VAE + "encoder.*' or 'decoder.*' keys)");
        // The decoder's levels are numbered bottom-up in LDM (up.0 is the last to run), top-down in diffusers.
        int upLevels = 0;
        for (String k : file.infos().keySet()) {
            if (!k.startsWith(prefix + "decoder.up.")) continue;
            Matcher m = VAE_UP.matcher(k.substring(prefix.length() + "decoder.".length()));
            if (m.matches()) upLevels = Math.max(upLevels, Integer.parseInt(m.group(1)) + 1);
        }
        MappedSource.Builder b = new MappedSource.Builder(file, "VAE");
        for (String key : file.infos().keySet()) {
            if (!key.startsWith(prefix)) continue;
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            String t = vaeKey(key.substring(prefix.length()), upLevels);
            if (t == null) { b.unknown(key); continue; }
            long[] s = b.info(key).shape();
            if (VAE_LINEAR.matcher(t).find() && s.length == 4) b.reshape(key, t, s[0], s[1]);
            else b.map(key, t);
        }
        return b.build();
    }

    static String vaeKey(String rest, int upLevels) {
        String t = rename(rest, VAE_TOP);
        if (t != null) return t;
        String side = rest.startsWith("encoder.") ? "encoder." : rest.startsWith("decoder.") ? "decoder." : null;
        if (side == null) return null;
        String s = rest.substring(side.length());
        t = rename(s, VAE_SIDE);
        if (t == null) t = rename(s, VAE_MID_RESNETS, VAE_RESNET);
        if (t == null) t = rename(s, VAE_MID_ATTENTION, VAE_ATTENTION);
        if (t != null) return side + t;
        Matcher m = (side.equals("encoder.") ? VAE_DOWN : VAE_UP).matcher(s);
        if (!m.matches()) return null;
        int level = Integer.parseInt(m.group(1));
        String block = side.equals("encoder.") ? "down_blocks." + level + "." : "up_blocks." + (upLevels - 1 - level) + ".";
        String tail = m.group(4);
        if (m.group(3) != null) return vaeSub(side + block + "resnets." + m.group(3) + ".", tail, VAE_RESNET);
        String sampler = side.equals("encoder.") ? "downsamplers.0." : "upsamplers.0.";
        return tail.startsWith("conv.") ? side + block + sampler + tail : null;
    }

    private static String vaeSub(String base, String tail, String[][] table) {
        String r = rename(tail, table);
        return r == null ? null : base + r;
    }

    static MappedSource mapLdmText(TensorSource file) {
        boolean clip = hasPrefix(file, LDM_CLIP), open = hasPrefix(file, LDM_OPENCLIP);
        if (clip && open) throw new WeightsException(file.path() + ": holds both an OpenAI CLIP (" + LDM_CLIP + "*) and an OpenCLIP (" + LDM_OPENCLIP + "*) text encoder");
        if (!clip && !open) throw new WeightsException(file.path() + ": no text encoder in this file (no '" + LDM_CLIP + "*' or '" + LDM_OPENCLIP + "*' keys)");
        MappedSource.Builder b = new MappedSource.Builder(file, "text encoder");
        if (clip) {
            // Already transformers' names; older transformers versions lacked the text_model. segment.
            for (String key : file.infos().keySet()) {
                if (!key.startsWith(LDM_TEXT)) continue;
                String why = extraReason(key);
                if (why != null) { b.ignore(key, why); continue; }
                if (!key.startsWith(LDM_CLIP)) { b.unknown(key); continue; }
                String rest = key.substring(LDM_CLIP.length());
                b.map(key, rest.startsWith("text_model.") ? rest : "text_model." + rest);
            }
            return b.build();
        }
        int blocks = 0;
        for (String k : file.infos().keySet()) {
            if (!k.startsWith(LDM_OPENCLIP)) continue;
            Matcher m = RESBLOCK.matcher(k.substring(LDM_OPENCLIP.length()));
            if (m.matches()) blocks = Math.max(blocks, Integer.parseInt(m.group(1)) + 1);
        }
        for (String key : file.infos().keySet()) {
            if (!key.startsWith(LDM_TEXT)) continue;
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            if (!key.startsWith(LDM_OPENCLIP)) { b.unknown(key); continue; }
            String rest = key.substring(LDM_OPENCLIP.length());
            String t = rename(rest, OPENCLIP_TOP);
            if (t != null) { b.map(key, t); continue; }
            Matcher m = RESBLOCK.matcher(rest);
            if (!m.matches()) { b.unknown(key); continue; }
            int n = Integer.parseInt(m.group(1));
            if (n == blocks - 1) { b.ignore(key, UNUSED_LAST_LAYER); continue; }
            String layer = "text_model.encoder.layers." + n + ".";
            String fused = rename(m.group(2), OPENCLIP_FUSED);
            if (fused != null) {
                for (int p = 0; p < 3; p++) b.slice(key, layer + OPENCLIP_QKV[p] + "." + fused, p, 3);
                continue;
            }
            t = rename(m.group(2), OPENCLIP_LAYER);
            if (t == null) b.unknown(key);
            else b.map(key, layer + t);
        }
        return b.build();
    }

    static MappedSource mapDiffusers(TensorSource file, String component) {
        MappedSource.Builder b = new MappedSource.Builder(file, component);
        for (Map.Entry<String, TensorInfo> e : file.infos().entrySet()) {
            String key = e.getKey();
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            Matcher m = DIFFUSERS_VAE_ATTENTION.matcher(key);
            String t = m.matches() ? rename(m.group(2), DIFFUSERS_LEGACY_VAE_ATTENTION) : null;
            t = t == null ? key : m.group(1) + "." + t;
            long[] s = e.getValue().shape();
            if (VAE_LINEAR.matcher(t).find() && s.length == 4) b.reshape(key, t, s[0], s[1]);
            else b.map(key, t);
        }
        return b.build();
    }

    // =====================================================================================
    // Export: diffusers / transformers keys to the foreign layouts. The same tables read
    // backwards, and the inverse of the index arithmetic above.

    private static final Pattern D_DOWN = Pattern.compile("^down_blocks\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)\\.(.+)$");
    private static final Pattern D_DOWNSAMPLER = Pattern.compile("^down_blocks\\.(\\d+)\\.downsamplers\\.0\\.conv\\.(.+)$");
    private static final Pattern D_UP = Pattern.compile("^up_blocks\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)\\.(.+)$");
    private static final Pattern D_UPSAMPLER = Pattern.compile("^up_blocks\\.(\\d+)\\.upsamplers\\.0\\.conv\\.(.+)$");
    private static final Pattern D_UP_ATTENTION = Pattern.compile("^up_blocks\\.(\\d+)\\.attentions\\.");
    private static final Pattern D_PROJECTION = Pattern.compile("(^|\\.)attentions\\.\\d+\\.proj_(in|out)\\.weight$");
    private static final Pattern D_VAE_DOWN = Pattern.compile("^down_blocks\\.(\\d+)\\.(resnets\\.(\\d+)|downsamplers\\.0)\\.(.+)$");
    private static final Pattern D_VAE_UP = Pattern.compile("^up_blocks\\.(\\d+)\\.(resnets\\.(\\d+)|upsamplers\\.0)\\.(.+)$");
    private static final Pattern D_ZERO_CONV = Pattern.compile("^controlnet_down_blocks\\.(\\d+)\\.(.+)$");
    private static final Pattern D_HINT = Pattern.compile("^controlnet_cond_embedding\\.(conv_in|conv_out|blocks\\.(\\d+))\\.(.+)$");

    /**
     * A diffusers UNet (a model's parameters or a diffusers file) under the LDM single-file keys
     * {@code model.diffusion_model.*}. The transformers' proj_in / proj_out weights get the rank
     * the family's LDM files store: 1x1 convolutions [C,C,1,1] for SD1, linears [C,C] for SD2.
     */
    public static MappedSource toLdmUnet(TensorSource diffusers, Family family) {
        return checked(mapToLdmUnet(diffusers, LDM_UNET, family == Family.SD2).requireNoUnknown(), KeyMaps::mapLdmUnet);
    }

    /** A diffusers VAE under the LDM single-file keys {@code first_stage_model.*}; the mid-block attention's linears become the 1x1 convs LDM stores. */
    public static MappedSource toLdmVae(TensorSource diffusers) {
        return checked(mapToLdmVae(diffusers, LDM_VAE).requireNoUnknown(), KeyMaps::mapLdmVae);
    }

    /**
     * A transformers CLIPTextModel under the LDM single-file keys of its family: SD1's
     * {@code cond_stage_model.transformer.text_model.*}. SD2 is refused: its OpenCLIP layout
     * holds one more block than the transformers model SD2 runs (the last block is unused and
     * is dropped on loading), so an Easel SD2 text encoder cannot be written as a complete
     * OpenCLIP tower. Save SD2 models as diffusers folders instead.
     */
    public static MappedSource toLdmTextEncoder(TensorSource transformers, Family family) {
        if (family == Family.SD2)
            throw new WeightsException(transformers.path() + ": cannot write an SD2 text encoder in the LDM layout: the OpenCLIP tower ("
                    + LDM_OPENCLIP + "*) has one block more than the transformers model SD2 runs, and that block is not kept; "
                    + "save SD2 models as a diffusers folder");
        MappedSource.Builder b = new MappedSource.Builder(transformers, "text encoder");
        for (String key : transformers.infos().keySet()) {
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            if (key.startsWith("text_model.")) b.map(key, LDM_CLIP + key);
            else b.unknown(key);
        }
        return checked(b.build().requireNoUnknown(), KeyMaps::mapLdmText);
    }

    /**
     * A diffusers ControlNetModel in the original layout as lllyasviel's v1.1 files store it:
     * bare keys ({@code input_blocks.*}, {@code zero_convs.N.0}, {@code input_hint_block.N},
     * {@code middle_block_out.0}, ...). Projections keep the rank they have (SD1.5 ControlNets
     * store 1x1 convs, SD2.1 ones linears, in both layouts).
     */
    public static MappedSource toOriginalControlNet(TensorSource diffusers) {
        return checked(mapToOriginalControlNet(diffusers).requireNoUnknown(), KeyMaps::mapControlNet);
    }

    /**
     * {@code exported}, after mapping it forward again with {@code reader}: every foreign key
     * must read back as the diffusers key it was made from, and nothing else may appear.
     */
    private static MappedSource checked(MappedSource exported, Function<TensorSource, MappedSource> reader) {
        MappedSource back = reader.apply(exported);
        for (String foreign : exported.infos().keySet()) {
            String d = exported.sourceKey(foreign);
            if (!foreign.equals(back.sourceKey(d)))
                throw new IllegalStateException("key tables disagree: '" + d + "' exports as '" + foreign + "' but '"
                        + back.sourceKey(d) + "' reads back as it");
        }
        if (back.infos().size() != exported.infos().size() || !back.unknownKeys().isEmpty())
            throw new IllegalStateException("key tables disagree: " + exported.infos().size() + " exported " + exported.component()
                    + " keys read back as " + back.infos().size() + " (unknown: " + back.unknownKeys() + ")");
        return exported;
    }

    /** Resnets per down block of a diffusers UNet or ControlNet: those of down_blocks.0. */
    static int diffusersLayersPerBlock(TensorSource file) {
        Pattern p = Pattern.compile("^down_blocks\\.0\\.resnets\\.(\\d+)\\.");
        int layers = 0;
        for (String k : file.infos().keySet()) {
            Matcher m = p.matcher(k);
            if (m.find()) layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
        }
        if (layers == 0) throw new WeightsException(file.path() + ": no 'down_blocks.0.resnets.0.*' keys (not a diffusers UNet or ControlNet)");
        return layers;
    }

    static MappedSource mapToLdmUnet(TensorSource file, String prefix, boolean linearProjections) {
        int layers = diffusersLayersPerBlock(file);
        TreeSet<Integer> upAttention = new TreeSet<>();
        for (String k : file.infos().keySet()) {
            Matcher m = D_UP_ATTENTION.matcher(k);
            if (m.find()) upAttention.add(Integer.parseInt(m.group(1)));
        }
        MappedSource.Builder b = new MappedSource.Builder(file, "UNet");
        for (String key : file.infos().keySet()) {
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            String t = ldmUnetKey(key, layers, upAttention::contains, false);
            if (t == null) b.unknown(key);
            else projection(b, file, key, prefix + t, linearProjections);
        }
        return b.build();
    }

    /** {@code key} under {@code target}; a transformer projection weight reshaped to the rank asked for. */
    private static void projection(MappedSource.Builder b, TensorSource file, String key, String target, boolean linear) {
        long[] s = b.info(key).shape();
        if (D_PROJECTION.matcher(key).find()) {
            if (linear && s.length == 4) {
                if (s[2] != 1 || s[3] != 1)
                    throw new WeightsException(file.path() + ": '" + key + "' has shape " + b.info(key).shapeString() + ", not a 1x1 projection");
                b.reshape(key, target, s[0], s[1]);
                return;
            }
            if (!linear && s.length == 2) {
                b.reshape(key, target, s[0], s[1], 1, 1);
                return;
            }
        }
        b.map(key, target);
    }

    /**
     * The inverse of {@link #unetKey}: a diffusers UNet key to its LDM name (without prefix);
     * null when unknown. {@code upHasAttention} tells whether up block i has transformers, which
     * moves its upsampler from sub-block 1 to 2.
     */
    static String ldmUnetKey(String key, int layers, IntPredicate upHasAttention, boolean controlNet) {
        String t = rename(key, UNET_TOP, DIFFUSERS);
        if (t != null) return controlNet && key.startsWith("conv_") && !key.startsWith("conv_in") ? null : t;
        t = rename(key, UNET_MIDDLE_RESNETS, UNET_RESNET, DIFFUSERS);
        if (t != null) return t;
        t = rename(key, UNET_MIDDLE_ATTENTION, DIFFUSERS);
        if (t != null) return t;
        Matcher m = D_DOWN.matcher(key);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(1)), j = Integer.parseInt(m.group(3));
            if (j >= layers) return null;
            String block = "input_blocks." + (1 + i * (layers + 1) + j);
            return m.group(2).equals("resnets") ? ldmResnet(block + ".0", m.group(4)) : block + ".1." + m.group(4);
        }
        m = D_DOWNSAMPLER.matcher(key);
        if (m.matches()) return "input_blocks." + (1 + Integer.parseInt(m.group(1)) * (layers + 1) + layers) + ".0.op." + m.group(2);
        if (controlNet) return null;
        m = D_UP.matcher(key);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(1)), j = Integer.parseInt(m.group(3));
            if (j > layers) return null;
            String block = "output_blocks." + (i * (layers + 1) + j);
            return m.group(2).equals("resnets") ? ldmResnet(block + ".0", m.group(4)) : block + ".1." + m.group(4);
        }
        m = D_UPSAMPLER.matcher(key);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(1));
            return "output_blocks." + (i * (layers + 1) + layers) + "." + (upHasAttention.test(i) ? 2 : 1) + ".conv." + m.group(2);
        }
        return null;
    }

    private static String ldmResnet(String base, String tail) {
        String r = rename(tail, UNET_RESNET, DIFFUSERS);
        return r == null ? null : base + "." + r;
    }

    static MappedSource mapToLdmVae(TensorSource file, String prefix) {
        if (!hasPrefix(file, "encoder.down_blocks.") && !hasPrefix(file, "decoder.up_blocks."))
            throw new WeightsException(file.path() + ": not a diffusers VAE (no 'encoder.down_blocks.*' or 'decoder.up_blocks.*' keys)");
        int upLevels = 0;
        for (String k : file.infos().keySet()) {
            if (!k.startsWith("decoder.")) continue;
            Matcher m = D_VAE_UP.matcher(k.substring("decoder.".length()));
            if (m.matches()) upLevels = Math.max(upLevels, Integer.parseInt(m.group(1)) + 1);
        }
        MappedSource.Builder b = new MappedSource.Builder(file, "VAE");
        for (String key : file.infos().keySet()) {
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            String t = ldmVaeKey(key, upLevels);
            if (t == null) { b.unknown(key); continue; }
            long[] s = b.info(key).shape();
            if (VAE_LINEAR.matcher(key).find() && s.length == 2) b.reshape(key, prefix + t, s[0], s[1], 1, 1);
            else b.map(key, prefix + t);
        }
        return b.build();
    }

    /** The inverse of {@link #vaeKey}; null when unknown. */
    static String ldmVaeKey(String key, int upLevels) {
        String t = rename(key, VAE_TOP, DIFFUSERS);
        if (t != null) return t;
        String side = key.startsWith("encoder.") ? "encoder." : key.startsWith("decoder.") ? "decoder." : null;
        if (side == null) return null;
        String s = key.substring(side.length());
        t = rename(s, VAE_SIDE, DIFFUSERS);
        if (t == null) t = rename(s, VAE_MID_RESNETS, VAE_RESNET, DIFFUSERS);
        if (t == null) t = rename(s, VAE_MID_ATTENTION, VAE_ATTENTION, DIFFUSERS);
        if (t != null) return side + t;
        boolean encoder = side.equals("encoder.");
        Matcher m = (encoder ? D_VAE_DOWN : D_VAE_UP).matcher(s);
        if (!m.matches()) return null;
        int i = Integer.parseInt(m.group(1));
        String level = encoder ? "down." + i + "." : "up." + (upLevels - 1 - i) + ".";
        String tail = m.group(4);
        if (m.group(3) != null) {
            String r = rename(tail, VAE_RESNET, DIFFUSERS);
            return r == null ? null : side + level + "block." + m.group(3) + "." + r;
        }
        return tail.startsWith("conv.") ? side + level + (encoder ? "downsample." : "upsample.") + tail : null;
    }

    static MappedSource mapToOriginalControlNet(TensorSource file) {
        if (!hasPrefix(file, "controlnet_cond_embedding."))
            throw new WeightsException(file.path() + ": not a diffusers ControlNet (no 'controlnet_cond_embedding.*' keys)");
        int layers = diffusersLayersPerBlock(file);
        // The hint network's convs go back to the Sequential's even indices: conv, SiLU, conv, SiLU, ..., conv.
        TreeSet<Integer> blocks = new TreeSet<>();
        for (String k : file.infos().keySet()) {
            Matcher m = D_HINT.matcher(k);
            if (m.matches() && m.group(2) != null) blocks.add(Integer.parseInt(m.group(2)));
        }
        if (!blocks.isEmpty() && blocks.last() != blocks.size() - 1)
            throw new WeightsException(file.path() + ": controlnet_cond_embedding.blocks " + blocks + " are not numbered 0.." + (blocks.size() - 1));
        MappedSource.Builder b = new MappedSource.Builder(file, "ControlNet");
        for (String key : file.infos().keySet()) {
            String why = extraReason(key);
            if (why != null) { b.ignore(key, why); continue; }
            String t = rename(key, CONTROLNET_TOP, DIFFUSERS);
            Matcher m;
            if (t == null && (m = D_ZERO_CONV.matcher(key)).matches()) t = "zero_convs." + m.group(1) + ".0." + m.group(2);
            if (t == null && (m = D_HINT.matcher(key)).matches()) {
                int idx = m.group(1).equals("conv_in") ? 0 : m.group(1).equals("conv_out") ? 2 * (blocks.size() + 1) : 2 * (Integer.parseInt(m.group(2)) + 1);
                t = "input_hint_block." + idx + "." + m.group(3);
            }
            if (t == null) t = ldmUnetKey(key, layers, i -> false, true);
            if (t == null) b.unknown(key);
            else b.map(key, t);
        }
        return b.build();
    }
}
