package io.easel.pipeline;

import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPTextConfig;
import io.easel.models.clip.CLIPTextModel;
import io.easel.models.unet.UNet2DConditionConfig;
import io.easel.models.unet.UNet2DConditionModel;
import io.easel.models.vae.AutoencoderKL;
import io.easel.models.vae.AutoencoderKLConfig;
import io.easel.tensor.DType;
import io.easel.weights.ModuleLoader;
import io.easel.weights.SafeTensors;
import io.easel.weights.TensorSource;
import io.easel.weights.WeightsException;

import io.easel.weights.ArchOverrides;
import io.easel.weights.Detected;
import io.easel.weights.Detection;
import io.easel.weights.KeyMaps;

import java.nio.file.Files;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.nio.file.Path;
import java.util.List;

/**
 * Loading single components: from a component folder (config.json + weights), from the matching
 * subfolder of a diffusers pipeline folder, or out of a single-file LDM checkpoint.
 */
public final class ComponentFiles {
    private ComponentFiles() {}

    /** The weights file of a component folder, preferring safetensors. */
    public static Path weightsFile(Path dir) {
        for (String name : List.of("diffusion_pytorch_model.safetensors", "model.safetensors",
                "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors",
                "diffusion_pytorch_model.bin", "pytorch_model.bin", "diffusion_pytorch_model.fp16.bin", "pytorch_model.fp16.bin")) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new WeightsException(dir + ": no weights file (expected diffusion_pytorch_model.safetensors, model.safetensors or a .bin)");
    }

    static Path config(Path dir) {
        Path p = dir.resolve("config.json");
        if (!Files.isRegularFile(p)) throw new WeightsException(dir + ": missing config.json");
        return p;
    }

    public static TensorSource openWeights(Path file) {
        return Checkpoints.open(file);
    }

    /** A UNet from a component folder, a pipeline folder or a single file. */
    public static UNet2DConditionModel unet(Path path, ArchOverrides o, DType dtype) {
        if (Files.isDirectory(path)) return unet(componentDir(path, "unet"), dtype);
        return fromFile(path, o, dtype, "Stable Diffusion UNet", d -> d.isControlNet() ? null : d.unet(),
                UNet2DConditionModel::new, (src, c) -> StableDiffusion.projections(KeyMaps.unet(src), c));
    }

    /** A VAE from a component folder, a pipeline folder or a single file. */
    public static AutoencoderKL vae(Path path, ArchOverrides o, DType dtype) {
        if (Files.isDirectory(path)) return vae(componentDir(path, "vae"), dtype);
        return fromFile(path, o, dtype, "VAE", Detected::vae, AutoencoderKL::new, (src, c) -> KeyMaps.vae(src));
    }

    /** A CLIP text encoder from a component folder, a pipeline folder or a single file (SD2: the layers SD2 uses). */
    public static CLIPTextModel textEncoder(Path path, ArchOverrides o, DType dtype) {
        if (Files.isDirectory(path)) return textEncoder(componentDir(path, "text_encoder"), dtype);
        return fromFile(path, o, dtype, "text encoder", Detected::textEncoder, CLIPTextModel::new, (src, c) -> KeyMaps.textEncoder(src));
    }

    /** One component out of a single file: detect its config from the header, build, load through its key map. */
    private static <C, M extends io.easel.tensor.Module> M fromFile(Path path, ArchOverrides o, DType dtype, String what,
            Function<Detected, C> config, Function<C, M> build, BiFunction<TensorSource, C, TensorSource> keys) {
        try (TensorSource src = Checkpoints.open(path)) {
            C c = config.apply(Detection.detect(src, o));
            if (c == null) throw new WeightsException(path + ": holds no " + what);
            M m = build.apply(c);
            ModuleLoader.load(m, keys.apply(src, c), dtype, k -> false);
            return m;
        }
    }

    /** A component folder itself, or its subfolder in a pipeline folder. */
    static Path componentDir(Path dir, String component) {
        if (Files.isRegularFile(dir.resolve("model_index.json"))) return dir.resolve(component);
        return dir;
    }

    public static UNet2DConditionModel unet(Path dir, DType dtype) {
        UNet2DConditionConfig c = UNet2DConditionConfig.fromJson(ConfigJson.read(config(dir)));
        UNet2DConditionModel m = new UNet2DConditionModel(c);
        try (TensorSource src = openWeights(weightsFile(dir))) {
            ModuleLoader.load(m, StableDiffusion.projections(io.easel.weights.KeyMaps.unet(src), c), dtype, k -> false);
        }
        return m;
    }

    public static AutoencoderKL vae(Path dir, DType dtype) {
        AutoencoderKL m = new AutoencoderKL(AutoencoderKLConfig.fromJson(ConfigJson.read(config(dir))));
        try (TensorSource src = openWeights(weightsFile(dir))) {
            ModuleLoader.load(m, io.easel.weights.KeyMaps.vae(src), dtype, k -> false);
        }
        return m;
    }

    public static CLIPTextModel textEncoder(Path dir, DType dtype) {
        CLIPTextModel m = new CLIPTextModel(CLIPTextConfig.fromJson(ConfigJson.read(config(dir))));
        try (TensorSource src = openWeights(weightsFile(dir))) {
            ModuleLoader.load(m, io.easel.weights.KeyMaps.textEncoder(src), dtype, k -> false);
        }
        return m;
    }
}
