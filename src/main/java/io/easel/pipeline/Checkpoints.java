package io.easel.pipeline;

import io.easel.weights.SafeTensors;
import io.easel.weights.TensorSource;
import io.easel.weights.WeightsException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens a weights file by its content (safetensors or torch zip pickle), not by its extension. */
public final class Checkpoints {
    private Checkpoints() {}

    public static TensorSource open(Path file) {
        if (Files.isDirectory(file)) throw new WeightsException(file + ": is a folder, not a weights file");
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)
                throw new WeightsException(file + ": PyTorch pickle checkpoints are not supported yet");
        } catch (NoSuchFileException e) {
            throw new WeightsException(file + ": no such file");
        } catch (IOException e) {
            throw new WeightsException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return SafeTensors.open(file);
    }
}
