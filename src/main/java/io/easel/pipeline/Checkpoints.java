package io.easel.pipeline;

import io.easel.weights.SafeTensors;
import io.easel.weights.TensorSource;
import io.easel.weights.TorchCheckpoint;
import io.easel.weights.WeightsException;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a weights file by its content (safetensors or torch zip pickle), not by its extension. */
public final class Checkpoints {
    private Checkpoints() {}

    public static TensorSource open(Path file) {
        if (Files.isDirectory(file)) throw new WeightsException(file + ": is a folder, not a weights file");
        if (!Files.exists(file)) throw new WeightsException(file + ": no such file");
        if (!Files.isReadable(file)) throw new WeightsException(file + ": not readable");
        if (TorchCheckpoint.looksLikeTorch(file)) return TorchCheckpoint.open(file);
        return SafeTensors.open(file);
    }
}
