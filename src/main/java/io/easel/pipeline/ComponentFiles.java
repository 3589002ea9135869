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

import java.nio.file.Files;
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
    public static UNet2DConditionModel unet(Path path, io.easel.weights.ArchOverrides o, DType dtype) {
        if (java.nio.file.Files.isDirectory(path)) return unet(componentDir(path, "unet"), dtype);
        try (TensorSource src = Checkpoints.open(path)) {
            io.easel.weights.Detected d = io.easel.weights.Detection.detect(src, o);
            if (d.unet() == null || d.isControlNet()) throw new WeightsException(path + ": holds no Stable Diffusion UNet");
            UNet2DConditionModel m = new UNet2DConditionModel(d.unet());
            ModuleLoader.load(m, StableDiffusion.projections(io.easel.weights.KeyMaps.unet(src), d.unet()), dtype, k -> false);
            return m;
        }
    }

    /** A VAE from a component folder, a pipeline folder or a single file. */
    public static AutoencoderKL vae(Path path, io.easel.weights.ArchOverrides o, DType dtype) {
        if (java.nio.file.Files.isDirectory(path)) return vae(componentDir(path, "vae"), dtype);
        try (TensorSource src = Checkpoints.open(path)) {
            io.easel.weights.Detected d = io.easel.weights.Detection.detect(src, o);
            if (d.vae() == null) throw new WeightsException(path + ": holds no VAE");
            AutoencoderKL m = new AutoencoderKL(d.vae());
            ModuleLoader.load(m, io.easel.weights.KeyMaps.vae(src), dtype, k -> false);
            return m;
        }
    }

    /** A CLIP text encoder from a component folder, a pipeline folder or a single file (SD2: the layers SD2 uses). */
    public static CLIPTextModel textEncoder(Path path, io.easel.weights.ArchOverrides o, DType dtype) {
        if (java.nio.file.Files.isDirectory(path)) return textEncoder(componentDir(path, "text_encoder"), dtype);
        try (TensorSource src = Checkpoints.open(path)) {
            io.easel.weights.Detected d = io.easel.weights.Detection.detect(src, o);
            if (d.textEncoder() == null) throw new WeightsException(path + ": holds no text encoder");
            CLIPTextModel m = new CLIPTextModel(d.textEncoder());
            ModuleLoader.load(m, io.easel.weights.KeyMaps.textEncoder(src), dtype, k -> false);
            return m;
        }
    }

    /** A component folder itself, or its subfolder in a pipeline folder. */
    static Path componentDir(Path dir, String component) {
        if (java.nio.file.Files.isRegularFile(dir.resolve("model_index.json"))) return dir.resolve(component);
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
