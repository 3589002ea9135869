package io.easel.weights;

import io.easel.tensor.DType;
import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writing models in the key layouts other tools read: the LDM single file (A1111, ComfyUI,
 * diffusers' {@code from_single_file}) and lllyasviel's original ControlNet layout. The renames
 * are {@link KeyMaps}' tables read backwards; tensors are written as given (see
 * {@link #convert} to store another precision). diffusers / transformers component files need
 * no mapping: {@code SafeTensors.write(path, Export.stateDict(model), ...)}.
 */
public final class Export {
    private Export() {}

    /** The metadata every file gets unless the caller overrides it (what torch-saved safetensors carry). */
    public static final Map<String, String> DEFAULT_METADATA = Map.of("format", "pt");

    /**
     * A module's parameters under its own (diffusers / transformers) keys, in registration
     * order; the tensors themselves, not copies.
     *
     * @throws IllegalStateException naming the first parameter without dense weights: a model
     *                               loaded with {@code pack=true} has released them for the
     *                               packed inference layout and cannot be saved
     */
    public static Map<String, Tensor> stateDict(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Param> e : m.parameters().entrySet()) {
            if (!e.getValue().isSet())
                throw new IllegalStateException(m.getClass().getSimpleName() + " holds no dense weights for '" + e.getKey()
                        + "': it was packed for inference (loaded with pack=true) or never loaded or initialised; "
                        + "load it with pack=false to save it");
            out.put(e.getKey(), e.getValue().get());
        }
        return out;
    }

    /** The same tensors in {@code dtype} (those already in it are kept, not copied); null keeps every dtype. */
    public static Map<String, Tensor> convert(Map<String, Tensor> tensors, DType dtype) {
        if (dtype == null) return tensors;
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> out.put(k, T.dtype(t).value == dtype.scalarType().value ? t : t.to(dtype.scalarType())));
        return out;
    }

    /**
     * UNet, VAE and text encoder (diffusers / transformers keys) under the LDM single-file keys,
     * sorted. The noise-schedule buffers ({@code alphas_cumprod}...) are not written: no
     * reader needs them.
     *
     * @throws WeightsException for a key no table knows, or an SD2 text encoder (see
     *                          {@link KeyMaps#toLdmTextEncoder})
     */
    public static Map<String, Tensor> toLdmSingleFile(Path file, Map<String, Tensor> unet, Map<String, Tensor> vae,
                                                     Map<String, Tensor> textEncoder, Family family) {
        if (family == null) throw new IllegalArgumentException("the family (sd1 or sd2) must be given");
        MappedSource text = KeyMaps.toLdmTextEncoder(new TensorMap(file, textEncoder), family);
        MappedSource u = KeyMaps.toLdmUnet(new TensorMap(file, unet), family);
        MappedSource v = KeyMaps.toLdmVae(new TensorMap(file, vae));
        Map<String, Tensor> out = new TreeMap<>();
        for (MappedSource m : new MappedSource[]{u, v, text}) collect(m, out);
        return out;
    }

    /** Writes an LDM single-file checkpoint ({@code .safetensors}); the file appears only when complete. */
    public static void writeSingleFile(Path file, Map<String, Tensor> unet, Map<String, Tensor> vae, Map<String, Tensor> textEncoder,
                                       Family family, Map<String, String> metadata) {
        SafeTensors.write(file, toLdmSingleFile(file, unet, vae, textEncoder, family), metadata(metadata));
    }

    /** A diffusers ControlNetModel's tensors under the original (v1.1, bare) keys, sorted. */
    public static Map<String, Tensor> toOriginalControlNet(Path file, Map<String, Tensor> controlNet) {
        Map<String, Tensor> out = new TreeMap<>();
        collect(KeyMaps.toOriginalControlNet(new TensorMap(file, controlNet)), out);
        return out;
    }

    /** Writes a diffusers ControlNetModel's tensors as an original-layout ControlNet (v1.1 style, bare keys). */
    public static void writeControlNetOriginal(Path file, Map<String, Tensor> controlNet) {
        writeControlNetOriginal(file, controlNet, null);
    }

    public static void writeControlNetOriginal(Path file, Map<String, Tensor> controlNet, Map<String, String> metadata) {
        SafeTensors.write(file, toOriginalControlNet(file, controlNet), metadata(metadata));
    }

    /** Writes one component's tensors as they are (a diffusers / transformers component file). */
    public static void writeComponent(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        SafeTensors.write(file, new TreeMap<>(tensors), metadata(metadata));
    }

    private static void collect(MappedSource m, Map<String, Tensor> out) {
        for (String k : m.infos().keySet()) {
            if (out.put(k, m.load(k)) != null) throw new IllegalStateException("two components export to '" + k + "'");
        }
    }

    private static Map<String, String> metadata(Map<String, String> given) {
        Map<String, String> m = new LinkedHashMap<>(DEFAULT_METADATA);
        if (given != null) m.putAll(given);
        return m;
    }
}
