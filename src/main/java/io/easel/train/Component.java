package io.easel.train;

import io.easel.tensor.Module;

/**
 * A model whose weights every checkpoint holds (and a resume restores): saved under
 * {@code <checkpoint>/<name>/<weightsFile>} with the module's own keys, which are the published
 * diffusers / transformers keys, plus {@code config.json} when given, so that a checkpoint folder
 * is a component folder the normal loaders read. Frozen models that the objective merely uses (the
 * VAE, the text encoder, the UNet under a ControlNet) need not be components.
 *
 * @param name        the component's folder name, e.g. {@code unet} or {@code controlnet}
 * @param module      the model
 * @param trainable   which of its parameters are trained ({@link ParamSelector#NONE} for none)
 * @param weightsFile the weights file name, e.g. {@code diffusion_pytorch_model.safetensors}
 * @param configJson  the text of its {@code config.json}, or null to write none
 */
public record Component(String name, Module module, ParamSelector trainable, String weightsFile, String configJson) {
    /** diffusers' weights file name. */
    public static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";

    public Component {
        if (name == null || !name.matches("[A-Za-z0-9_.-]+"))
            throw new IllegalArgumentException("component name must be a plain folder name, got '" + name + "'");
        if (module == null) throw new IllegalArgumentException("component '" + name + "' has no module");
        if (trainable == null) trainable = ParamSelector.NONE;
        if (weightsFile == null) weightsFile = DIFFUSERS_WEIGHTS;
    }

    /** A diffusers component trained as {@code trainable}, without a config file. */
    public static Component of(String name, Module module, ParamSelector trainable) {
        return new Component(name, module, trainable, DIFFUSERS_WEIGHTS, null);
    }

    public Component withConfig(String json) { return new Component(name, module, trainable, weightsFile, json); }
}
