package io.easel.pipeline;

import io.easel.models.controlnet.ControlNetModel;
import io.easel.weights.ArchOverrides;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** ControlNets loaded for a model, kept across requests; checked against the model's UNet on load. */
public final class ControlNetCache implements AutoCloseable {
    private final StableDiffusion model;
    private final Map<Path, ControlNetModel> nets = new HashMap<>();

    public ControlNetCache(StableDiffusion model) { this.model = model; }

    /** The ControlNet at {@code path}, loaded (and packed for inference) on first use. */
    public ControlNetModel get(Path path) {
        Path key = path.toAbsolutePath().normalize();
        ControlNetModel net = nets.get(key);
        if (net == null) {
            net = ControlNetFiles.load(path, model.unet().config(), ArchOverrides.NONE, model.dtype(), true);
            nets.put(key, net);
        }
        return net;
    }

    /** A unit of the ControlNet at {@code path} with a prepared condition [1,3,H,W] in [0,1]. */
    public ControlUnit unit(Path path, org.bytedeco.pytorch.Tensor cond, double weight, double start, double end, ControlUnit.ControlMode mode) {
        return new ControlUnit(get(path), cond, weight, start, end, mode);
    }

    @Override
    public void close() {
        nets.values().forEach(ControlNetModel::close);
        nets.clear();
    }
}
