package io.easel.pipeline;

import io.easel.models.ConfigJson;
import io.easel.models.controlnet.ControlNetConfig;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.tensor.DType;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Detected;
import io.easel.weights.Detection;
import io.easel.weights.KeyMaps;
import io.easel.weights.Layout;
import io.easel.weights.MappedSource;
import io.easel.weights.ModuleLoader;
import io.easel.weights.TensorSource;
import io.easel.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Loading a ControlNet from any layout it is published in: a diffusers folder
 * ({@code config.json} + weights), lllyasviel's v1.1 {@code .safetensors}/{@code .pth} with bare
 * keys, v1.0 {@code .pth} under {@code control_model.} (with or without the base model bundled),
 * and fp16 "pruned" copies of any of them. Keys are mapped by {@link KeyMaps#controlNet}; a
 * single file's architecture comes from its header ({@link Detection}).
 *
 * <p>What a single file cannot say is taken, in this order, from the {@link ArchOverrides}, the
 * base UNet's config (head counts, upcast attention: a ControlNet is a copy of its base's
 * encoder), else the SD conventions (SD1: 8 heads; SD2: channels / 64). Whether residuals are
 * pooled ({@code global_pool_conditions}, the v1.1 shuffle model) follows the conventions of
 * the tools that load these files: a sibling {@code <name>.yaml} with
 * {@code global_average_pooling: True} (sd-webui-controlnet), or a name ending in
 * {@code _shuffle} / {@code _shuffle_fp16} (ComfyUI).
 */
public final class ControlNetFiles {
    private ControlNetFiles() {}

    private static final Pattern YAML_POOL = Pattern.compile("(?m)^\\s*global_average_pooling\\s*:\\s*(?i:true)\\s*$");

    /**
     * Loads a ControlNet.
     *
     * @param path      a diffusers folder or a single weights file (safetensors or torch pickle, by content)
     * @param base      the UNet it will drive, or null; when given, a ControlNet that cannot drive it is
     *                  refused with a message naming the file and the mismatch
     * @param overrides architecture facts the file lacks (null = none)
     * @param dtype     the dtype to hold the weights in (fp16 files are converted)
     * @param pack      pack each layer for inference as it is loaded (see {@code Module.packForInference})
     */
    public static ControlNetModel load(Path path, UNet2DConditionConfig base, ArchOverrides overrides, DType dtype, boolean pack) {
        boolean folder = Files.isDirectory(path);
        Path weights = folder ? ComponentFiles.weightsFile(path) : path;
        try (TensorSource src = Checkpoints.open(weights)) {
            MappedSource mapped = KeyMaps.controlNet(src);
            ControlNetConfig cfg = config(path, src, base, overrides);
            if (base != null) {
                String why = cfg.mismatch(base);
                if (why != null) throw new WeightsException(path + ": " + why);
            }
            ControlNetModel m = new ControlNetModel(cfg);
            try {
                ModuleLoader.load(m, mapped, dtype, null, pack);
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            return m;
        }
    }

    /** As {@link #load(Path, UNet2DConditionConfig, ArchOverrides, DType, boolean)}, unpacked, without overrides. */
    public static ControlNetModel load(Path path, UNet2DConditionConfig base, DType dtype) {
        return load(path, base, ArchOverrides.NONE, dtype, false);
    }

    /** The config a file or folder would load with, from config.json or the header alone (no tensor data is read). */
    public static ControlNetConfig config(Path path, UNet2DConditionConfig base, ArchOverrides overrides) {
        Path weights = Files.isDirectory(path) ? ComponentFiles.weightsFile(path) : path;
        try (TensorSource src = Checkpoints.open(weights)) {
            return config(path, src, base, overrides);
        }
    }

    /**
     * A ControlNet config from a header detection: the detected encoder and hint network, RGB,
     * no pooling (files do not record either).
     */
    public static ControlNetConfig configOf(Detected d) {
        if (!d.isControlNet() || d.unet() == null)
            throw new IllegalArgumentException("not a ControlNet detection (layout " + d.layout().label() + ")");
        Detected.ControlNetHint h = d.controlNet();
        return ControlNetConfig.of(d.unet(), h.conditioningChannels(), h.conditioningEmbeddingOutChannels(),
                ControlNetConfig.ChannelOrder.RGB, false);
    }

    private static ControlNetConfig config(Path path, TensorSource src, UNet2DConditionConfig base, ArchOverrides overrides) {
        Path json = configJson(path, src);
        if (json != null) {
            try {
                return ControlNetConfig.fromJson(ConfigJson.read(json));
            } catch (IllegalArgumentException e) {
                throw new WeightsException(e.getMessage());
            }
        }
        ArchOverrides o = overrides == null ? ArchOverrides.NONE : overrides;
        if (base != null && o.unetAttentionHeadDim() == null)
            o = new ArchOverrides(o.family(), o.textEncoderHeads(), base.attentionHeadDim());
        ControlNetConfig cfg = configOf(Detection.detect(src, o));
        if (base != null) cfg = cfg.withUpcastAttention(base.upcastAttention());
        if (pooledByConvention(path)) cfg = cfg.withGlobalPoolConditions(true);
        return cfg;
    }

    /** The diffusers config.json for a folder, or for a diffusers-layout file that sits next to one; else null. */
    private static Path configJson(Path path, TensorSource src) {
        if (Files.isDirectory(path)) return ComponentFiles.config(path);
        Path parent = path.toAbsolutePath().getParent();
        if (parent == null || Layout.of(src) != Layout.CONTROLNET_DIFFUSERS) return null;
        Path json = parent.resolve("config.json");
        if (!Files.isRegularFile(json)) return null;
        return ConfigJson.read(json).getString("_class_name", "").equals("ControlNetModel") ? json : null;
    }

    private static boolean pooledByConvention(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String s = stem.toLowerCase(Locale.ROOT);
        if (s.endsWith("_shuffle") || s.endsWith("_shuffle_fp16")) return true;
        Path yaml = file.resolveSibling(stem + ".yaml");
        if (!Files.isRegularFile(yaml)) return false;
        try {
            return YAML_POOL.matcher(Files.readString(yaml)).find();
        } catch (IOException e) {
            throw new WeightsException(yaml + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
