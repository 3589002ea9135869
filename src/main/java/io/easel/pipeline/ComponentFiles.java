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
import java.util.function.Predicate;

/** Loading single components from diffusers / transformers component folders (config.json + weights). */
public final class ComponentFiles {
    private ComponentFiles() {}

    /** Keys found in real component files that the models do not use. */
    static final Predicate<String> KNOWN_EXTRAS = k -> k.endsWith("position_ids");

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

    public static UNet2DConditionModel unet(Path dir, DType dtype) {
        UNet2DConditionModel m = new UNet2DConditionModel(UNet2DConditionConfig.fromJson(ConfigJson.read(config(dir))));
        try (TensorSource src = openWeights(weightsFile(dir))) {
            ModuleLoader.load(m, src, dtype, KNOWN_EXTRAS);
        }
        return m;
    }

    public static AutoencoderKL vae(Path dir, DType dtype) {
        AutoencoderKL m = new AutoencoderKL(AutoencoderKLConfig.fromJson(ConfigJson.read(config(dir))));
        try (TensorSource src = openWeights(weightsFile(dir))) {
            ModuleLoader.load(m, src, dtype, KNOWN_EXTRAS);
        }
        return m;
    }

    public static CLIPTextModel textEncoder(Path dir, DType dtype) {
        CLIPTextModel m = new CLIPTextModel(CLIPTextConfig.fromJson(ConfigJson.read(config(dir))));
        try (TensorSource src = openWeights(weightsFile(dir))) {
            ModuleLoader.load(m, src, dtype, KNOWN_EXTRAS);
        }
        return m;
    }
}
