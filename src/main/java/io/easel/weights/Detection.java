package io.easel.weights;

import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.vae.AutoencoderKLConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Architecture detection from a checkpoint header: key names and shapes only, no tensor data
 * (after stable-diffusion.cpp's {@code detect_from_weights}). Every component is first mapped
 * to diffusers keys by {@link KeyMaps}, so one set of rules reads every layout.
 *
 * <p>What the shapes give: block channels (resnet conv1 outputs), layers per block, input
 * channels (9 = inpainting), cross-attention width (attn2.to_k in-features), linear vs conv
 * projections (proj_in rank), text width / layers / MLP width. What they do not give, and the
 * convention used instead: SD1 UNet 8 heads in every block, SD2 UNet channels/64 heads, text
 * encoder width/64 heads, SD2 upcast attention, quick_gelu for SD1 and gelu for SD2, GroupNorm
 * 32 groups, eps 1e-5, VAE scaling factor 0.18215. {@link ArchOverrides} replaces them.
 */
public final class Detection {
    private Detection() {}

    private static final Pattern DOWN_RESNET = Pattern.compile("^down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.conv1\\.weight$");
    private static final Pattern UP_BLOCK = Pattern.compile("^up_blocks\\.(\\d+)\\.");
    private static final Pattern VAE_DOWN_RESNET = Pattern.compile("^encoder\\.down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.conv1\\.weight$");
    private static final Pattern TEXT_LAYER = Pattern.compile("^text_model\\.encoder\\.layers\\.(\\d+)\\.");
    private static final Pattern PROJECTION = Pattern.compile("(^|\\.)attentions\\.\\d+\\.proj_(in|out)\\.weight$");
    private static final Pattern HINT_BLOCK = Pattern.compile("^controlnet_cond_embedding\\.blocks\\.(\\d+)\\.weight$");
    private static final String CROSS_K = "attn2.to_k.weight";

    public static Detected detect(TensorSource file) { return detect(file, ArchOverrides.NONE); }

    /** Detects the architecture; shapes that contradict each other are a WeightsException naming the key. */
    public static Detected detect(TensorSource file, ArchOverrides o) {
        if (o == null) o = ArchOverrides.NONE;
        Layout layout = Layout.of(file);
        // 1. Map the components the layout holds.
        MappedSource unet = null, vae = null, text = null;
        boolean controlNet = false;
        switch (layout) {
            case LDM_CHECKPOINT -> {
                unet = KeyMaps.mapLdmUnet(file);
                if (KeyMaps.hasPrefix(file, KeyMaps.LDM_VAE)) vae = KeyMaps.mapLdmVae(file);
                if (KeyMaps.hasPrefix(file, KeyMaps.LDM_CLIP) || KeyMaps.hasPrefix(file, KeyMaps.LDM_OPENCLIP)) text = KeyMaps.mapLdmText(file);
            }
            case LDM_UNET -> unet = KeyMaps.mapLdmUnet(file);
            case LDM_VAE -> vae = KeyMaps.mapLdmVae(file);
            case CONTROLNET_ORIGINAL, CONTROLNET_DIFFUSERS -> { unet = KeyMaps.mapControlNet(file); controlNet = true; }
            case DIFFUSERS_UNET -> unet = KeyMaps.mapDiffusers(file, "UNet");
            case DIFFUSERS_VAE -> vae = KeyMaps.mapDiffusers(file, "VAE");
            case TRANSFORMERS_CLIP -> text = KeyMaps.mapDiffusers(file, "text encoder");
        }
        List<MappedSource> parts = new ArrayList<>();
        for (MappedSource m : new MappedSource[]{unet, vae, text}) if (m != null) parts.add(m);

        // 2. Account for every stored key: mapped, a known extra, or unknown.
        Set<String> mapped = new HashSet<>();
        Map<String, String> ignoredKeys = new HashMap<>();
        Set<String> unknownInParts = new HashSet<>();
        long params = 0;
        Map<String, Long> byDtype = new LinkedHashMap<>();
        for (MappedSource m : parts) {
            mapped.addAll(m.mappedSourceKeys());
            ignoredKeys.putAll(m.ignoredKeys());
            unknownInParts.addAll(m.unknownKeys());
            for (TensorInfo i : m.infos().values()) {
                params += i.numel();
                byDtype.merge(i.dtype(), i.numel(), Long::sum);
            }
        }
        Map<String, Integer> ignored = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String key : file.infos().keySet()) {
            if (mapped.contains(key)) continue;
            String why = ignoredKeys.get(key);
            if (why == null && !unknownInParts.contains(key)) why = KeyMaps.extraReason(key);
            if (why != null) ignored.merge(why, 1, Integer::sum);
            else unknown.add(key);
        }
        String dtype = byDtype.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("none");

        // 3. The family: the override, else the text encoder's layout, else the UNet's context width and projections.
        Family family = o.family();
        if (family == null && text != null) {
            boolean openClip = KeyMaps.hasPrefix(file, KeyMaps.LDM_OPENCLIP);
            TensorInfo tok = text.infos().get("text_model.embeddings.token_embedding.weight");
            family = openClip || (tok != null && tok.shape().length == 2 && tok.shape()[1] == 1024) ? Family.SD2 : Family.SD1;
        }
        if (family == null && unet != null) {
            int cross = crossAttentionDim(unet)[0];
            family = cross == 1024 ? Family.SD2 : cross == 768 ? Family.SD1 : linearProjection(unet) ? Family.SD2 : Family.SD1;
        }

        // 4. Configs, then the shapes that must agree across components.
        UNet2DConditionConfig unetConfig = unet == null ? null : unetConfig(unet, family, o, controlNet);
        AutoencoderKLConfig vaeConfig = vae == null ? null : vaeConfig(vae);
        CLIPTextConfig textConfig = text == null ? null : textConfig(text, family, o);
        if (unetConfig != null && textConfig != null && unetConfig.crossAttentionDim() != textConfig.hiddenSize()) {
            String k = firstKeyEndingWith(unet, CROSS_K);
            throw new WeightsException(file.path() + ": '" + unet.sourceKey(k) + "' expects a context " + unetConfig.crossAttentionDim()
                    + " wide but the text encoder is " + textConfig.hiddenSize() + " wide ('"
                    + text.sourceKey("text_model.embeddings.token_embedding.weight") + "')");
        }
        Detected.ControlNetHint hint = controlNet ? controlNetHint(unet) : null;
        return new Detected(family, layout, unetConfig, vaeConfig, textConfig, hint,
                unetConfig != null && !controlNet && unetConfig.inChannels() == 9,
                KeyMaps.hasPrefix(file, "model_ema."), dtype, params, ignored, unknown);
    }

    /**
     * Checks that a ControlNet can drive a UNet: the same context width (attn2.to_k in-features)
     * and the same channels per level (its residuals are added to the UNet's skips).
     */
    public static void requireCompatible(UNet2DConditionConfig base, MappedSource controlNet) {
        int[] cross = crossAttentionDim(controlNet);
        if (cross[0] != base.crossAttentionDim()) {
            String k = firstKeyEndingWith(controlNet, CROSS_K);
            throw new WeightsException(controlNet.path() + ": '" + controlNet.sourceKey(k) + "' expects a context " + cross[0]
                    + " wide, but the base model's is " + base.crossAttentionDim() + " (a ControlNet for another family?)");
        }
        List<Integer> ch = blockChannels(controlNet);
        for (int i = 0; i < ch.size(); i++) {
            if (i >= base.blockOutChannels().size() || !ch.get(i).equals(base.blockOutChannels().get(i))) {
                String k = "down_blocks." + i + ".resnets.0.conv1.weight";
                throw new WeightsException(controlNet.path() + ": '" + controlNet.sourceKey(k) + "' gives level " + i + " " + ch.get(i)
                        + " channels, but the base model's block_out_channels are " + base.blockOutChannels());
            }
        }
    }

    // ---- UNet

    /** The UNet (or ControlNet encoder) config from diffusers-keyed shapes. */
    static UNet2DConditionConfig unetConfig(MappedSource u, Family family, ArchOverrides o, boolean controlNet) {
        TensorInfo convIn = require(u, "conv_in.weight", 4);
        List<Integer> channels = blockChannels(u);
        int levels = channels.size();
        int layers = 0;
        while (u.has("down_blocks.0.resnets." + layers + ".conv1.weight")) layers++;
        List<String> down = new ArrayList<>(), up = new ArrayList<>();
        for (int i = 0; i < levels; i++) down.add(KeyMaps.hasPrefix(u, "down_blocks." + i + ".attentions.") ? "CrossAttnDownBlock2D" : "DownBlock2D");
        int outChannels;
        if (controlNet) {
            // A ControlNet has no decoder; mirror the encoder so the record stays well-formed.
            for (int i = levels - 1; i >= 0; i--) up.add(down.get(i).replace("Down", "Up"));
            outChannels = (int) convIn.shape()[1];
        } else {
            TreeSet<Integer> upLevels = new TreeSet<>();
            for (String k : u.infos().keySet()) {
                Matcher m = UP_BLOCK.matcher(k);
                if (m.find()) upLevels.add(Integer.parseInt(m.group(1)));
            }
            if (upLevels.size() != levels || (levels > 0 && upLevels.last() != levels - 1))
                throw new WeightsException(u.path() + ": the UNet has " + levels + " down blocks but up blocks " + upLevels);
            for (int i = 0; i < levels; i++) up.add(KeyMaps.hasPrefix(u, "up_blocks." + i + ".attentions.") ? "CrossAttnUpBlock2D" : "UpBlock2D");
            outChannels = (int) require(u, "conv_out.weight", 4).shape()[0];
        }
        int cross = crossAttentionDim(u)[0];
        boolean linear = linearProjection(u);
        List<Integer> heads = unetHeads(u, family, o, channels);
        try {
            return new UNet2DConditionConfig((int) convIn.shape()[1], outChannels, channels, layers, cross, heads, down, up,
                    32, 1e-5, linear, family == Family.SD2, true, 0);
        } catch (IllegalArgumentException e) {
            throw new WeightsException(u.path() + ": " + e.getMessage());
        }
    }

    private static List<Integer> unetHeads(MappedSource u, Family family, ArchOverrides o, List<Integer> channels) {
        List<Integer> given = o.unetAttentionHeadDim();
        if (given != null) {
            if (given.size() == 1) return Collections.nCopies(channels.size(), given.get(0));
            if (given.size() != channels.size())
                throw new WeightsException(u.path() + ": unet_attention_head_dim " + given + " has " + given.size() + " entries for " + channels.size() + " blocks");
            return given;
        }
        List<Integer> heads = new ArrayList<>();
        for (int c : channels) {
            if (family == Family.SD2) {
                if (c % 64 != 0)
                    throw new WeightsException(u.path() + ": block channels " + channels + " are not multiples of 64, so the SD2 head counts "
                            + "(channels / 64) do not apply: give unet_attention_head_dim");
                heads.add(c / 64);
            } else {
                heads.add(8); // SD1 uses 8 heads in every block
            }
        }
        return heads;
    }

    /** Channels per level: each level's first resnet output width. */
    static List<Integer> blockChannels(MappedSource u) {
        Map<Integer, Integer> byLevel = new HashMap<>();
        for (TensorInfo i : u.infos().values()) {
            Matcher m = DOWN_RESNET.matcher(i.key());
            if (m.matches() && m.group(2).equals("0")) byLevel.put(Integer.parseInt(m.group(1)), (int) i.shape()[0]);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < byLevel.size(); i++) {
            Integer c = byLevel.get(i);
            if (c == null) throw new WeightsException(u.path() + ": missing " + u.component() + " key 'down_blocks." + i + ".resnets.0.conv1.weight'");
            out.add(c);
        }
        if (out.isEmpty()) throw new WeightsException(u.path() + ": missing " + u.component() + " key 'down_blocks.0.resnets.0.conv1.weight'");
        return out;
    }

    /** {width, -} from every attn2.to_k; they must agree. */
    static int[] crossAttentionDim(MappedSource u) {
        String first = null;
        int width = -1;
        for (TensorInfo i : u.infos().values()) {
            if (!i.key().endsWith("." + CROSS_K)) continue;
            if (i.shape().length != 2) throw new WeightsException(u.path() + ": '" + u.sourceKey(i.key()) + "' has shape " + i.shapeString() + ", not [out, context]");
            int w = (int) i.shape()[1];
            if (first == null) { first = i.key(); width = w; }
            else if (w != width)
                throw new WeightsException(u.path() + ": '" + u.sourceKey(i.key()) + "' has context width " + w + " but '"
                        + u.sourceKey(first) + "' has " + width + ": inconsistent cross-attention");
        }
        if (first == null) throw new WeightsException(u.path() + ": the " + u.component() + " has no cross-attention (no '*." + CROSS_K + "' key)");
        return new int[]{width};
    }

    /** Whether the transformers project with linears (rank 2) rather than 1x1 convs (rank 4); they must agree. */
    static boolean linearProjection(MappedSource u) {
        String first = null;
        int rank = -1;
        for (TensorInfo i : u.infos().values()) {
            if (!PROJECTION.matcher(i.key()).find()) continue;
            int r = i.shape().length;
            if (r != 2 && r != 4) throw new WeightsException(u.path() + ": '" + u.sourceKey(i.key()) + "' has shape " + i.shapeString() + ", neither linear nor 1x1 conv");
            if (first == null) { first = i.key(); rank = r; }
            else if (r != rank)
                throw new WeightsException(u.path() + ": '" + u.sourceKey(i.key()) + "' has shape " + i.shapeString() + " but '" + u.sourceKey(first)
                        + "' has rank " + rank + ": mixed linear and conv projections");
        }
        return rank == 2;
    }

    private static Detected.ControlNetHint controlNetHint(MappedSource u) {
        TensorInfo in = require(u, "controlnet_cond_embedding.conv_in.weight", 4);
        require(u, "controlnet_cond_embedding.conv_out.weight", 4);
        List<Integer> out = new ArrayList<>();
        out.add((int) in.shape()[0]);
        TreeSet<Integer> blocks = new TreeSet<>();
        for (String k : u.infos().keySet()) {
            Matcher m = HINT_BLOCK.matcher(k);
            if (m.matches()) blocks.add(Integer.parseInt(m.group(1)));
        }
        // diffusers: blocks alternate conv(c[i] -> c[i]) and conv(c[i] -> c[i+1]).
        for (int b : blocks) if (b % 2 == 1) out.add((int) u.infos().get("controlnet_cond_embedding.blocks." + b + ".weight").shape()[0]);
        return new Detected.ControlNetHint((int) in.shape()[1], out);
    }

    // ---- VAE

    static AutoencoderKLConfig vaeConfig(MappedSource v) {
        TensorInfo encIn = require(v, "encoder.conv_in.weight", 4);
        TensorInfo decIn = require(v, "decoder.conv_in.weight", 4);
        TensorInfo decOut = require(v, "decoder.conv_out.weight", 4);
        Map<Integer, Integer> byLevel = new HashMap<>();
        int layers = 0;
        for (TensorInfo i : v.infos().values()) {
            Matcher m = VAE_DOWN_RESNET.matcher(i.key());
            if (!m.matches()) continue;
            if (m.group(2).equals("0")) byLevel.put(Integer.parseInt(m.group(1)), (int) i.shape()[0]);
            if (m.group(1).equals("0")) layers = Math.max(layers, Integer.parseInt(m.group(2)) + 1);
        }
        List<Integer> channels = new ArrayList<>();
        for (int i = 0; i < byLevel.size(); i++) {
            Integer c = byLevel.get(i);
            if (c == null) throw new WeightsException(v.path() + ": missing VAE key 'encoder.down_blocks." + i + ".resnets.0.conv1.weight'");
            channels.add(c);
        }
        return new AutoencoderKLConfig((int) encIn.shape()[1], (int) decOut.shape()[0], (int) decIn.shape()[1], channels, layers, 32, 0.18215,
                v.has("quant_conv.weight"), v.has("post_quant_conv.weight"), KeyMaps.hasPrefix(v, "encoder.mid_block.attentions."));
    }

    // ---- Text encoder

    static CLIPTextConfig textConfig(MappedSource t, Family family, ArchOverrides o) {
        TensorInfo tok = require(t, "text_model.embeddings.token_embedding.weight", 2);
        TensorInfo pos = require(t, "text_model.embeddings.position_embedding.weight", 2);
        int width = (int) tok.shape()[1];
        if (pos.shape()[1] != width)
            throw new WeightsException(t.path() + ": '" + t.sourceKey(pos.key()) + "' is " + pos.shape()[1] + " wide but '" + t.sourceKey(tok.key()) + "' is " + width);
        TreeSet<Integer> layerIds = new TreeSet<>();
        for (String k : t.infos().keySet()) {
            Matcher m = TEXT_LAYER.matcher(k);
            if (m.find()) layerIds.add(Integer.parseInt(m.group(1)));
        }
        int layers = layerIds.size();
        if (layers == 0 || layerIds.last() != layers - 1)
            throw new WeightsException(t.path() + ": text encoder layers " + layerIds + " are not numbered 0.." + (layers - 1));
        int inner = (int) require(t, "text_model.encoder.layers.0.mlp.fc1.weight", 2).shape()[0];
        for (int l = 0; l < layers; l++) {
            String p = "text_model.encoder.layers." + l + ".";
            for (String w : new String[]{"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.out_proj.weight"})
                requireShape(t, p + w, width, width);
            requireShape(t, p + "mlp.fc1.weight", inner, width);
            requireShape(t, p + "mlp.fc2.weight", width, inner);
        }
        int heads;
        if (o.textEncoderHeads() != null) heads = o.textEncoderHeads();
        else if (width % 64 == 0) heads = width / 64;
        else throw new WeightsException(t.path() + ": text width " + width + " is not a multiple of 64, so the head count (width / 64) "
                    + "does not apply: give text_encoder_heads");
        try {
            return new CLIPTextConfig((int) tok.shape()[0], width, inner, layers, heads, (int) pos.shape()[0],
                    family == Family.SD2 ? "gelu" : "quick_gelu", 1e-5);
        } catch (IllegalArgumentException e) {
            throw new WeightsException(t.path() + ": " + e.getMessage());
        }
    }

    // ---- helpers

    private static TensorInfo require(MappedSource m, String key, int rank) {
        TensorInfo i = m.infos().get(key);
        if (i == null) throw new WeightsException(m.path() + ": missing " + m.component() + " key '" + key + "'");
        if (i.shape().length != rank)
            throw new WeightsException(m.path() + ": '" + m.sourceKey(key) + "' has shape " + i.shapeString() + " where rank " + rank + " was expected");
        return i;
    }

    private static void requireShape(MappedSource m, String key, long... shape) {
        TensorInfo i = require(m, key, shape.length);
        if (!java.util.Arrays.equals(i.shape(), shape))
            throw new WeightsException(m.path() + ": '" + m.sourceKey(key) + "' has shape " + i.shapeString() + " where " + java.util.Arrays.toString(shape)
                    + " was expected" + (m.sourceKey(key).equals(key) ? "" : " (for '" + key + "')"));
    }

    private static String firstKeyEndingWith(MappedSource m, String suffix) {
        for (String k : m.infos().keySet()) if (k.endsWith(suffix)) return k;
        return suffix;
    }
}
