package io.easel.pipeline;

import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.tensor.DType;
import io.easel.weights.ArchOverrides;

import java.nio.file.Path;

/**
 * How to load a model.
 *
 * @param dtype          compute and weight precision of the networks (latents and sampler state stay fp32)
 * @param overrides      explicit architecture facts a single file cannot carry (family, head counts)
 * @param predictionType epsilon or v_prediction; null = the model's config, else the family's default
 * @param tokenizer      a tokenizer folder or {@code bpe_simple_vocab_16e6.txt.gz}; null = the model's own, else the bundled CLIP vocabulary
 * @param pack           pack weights for fast inference (the model can then not be trained or saved)
 */
public record LoadOptions(DType dtype, ArchOverrides overrides, PredictionType predictionType, Path tokenizer, boolean pack) {
    public static final LoadOptions DEFAULT = new LoadOptions(DType.FP32, ArchOverrides.NONE, null, null, true);

    public LoadOptions {
        if (dtype == null) dtype = DType.FP32;
        if (overrides == null) overrides = ArchOverrides.NONE;
    }

    public LoadOptions withDtype(DType d) { return new LoadOptions(d, overrides, predictionType, tokenizer, pack); }
    public LoadOptions withOverrides(ArchOverrides o) { return new LoadOptions(dtype, o, predictionType, tokenizer, pack); }
    public LoadOptions withPack(boolean p) { return new LoadOptions(dtype, overrides, predictionType, tokenizer, p); }
    public LoadOptions withPredictionType(PredictionType p) { return new LoadOptions(dtype, overrides, p, tokenizer, pack); }
    public LoadOptions withTokenizer(Path t) { return new LoadOptions(dtype, overrides, predictionType, t, pack); }
}
