package io.easel.api;

import io.easel.pipeline.LoadOptions;
import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.tensor.DType;
import io.easel.weights.ArchOverrides;
import io.easel.weights.Family;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How to load a model, as a user states it.
 *
 * @param dtype            "fp32" or "bf16"
 * @param arch             "sd1" / "sd2" to override detection, or null
 * @param prediction       "epsilon" / "v_prediction" (alias "v"), or null for the model's own
 * @param tokenizer        a tokenizer folder or bpe_simple_vocab_16e6.txt.gz, or null
 * @param textEncoderHeads head count of the text encoder, for files that break the width/64 convention; or null
 * @param unetHeads        heads per UNet down block, for such files; or null
 */
public record ModelOptions(String dtype, String arch, String prediction, Path tokenizer, Integer textEncoderHeads, List<Integer> unetHeads) {
    public static final ModelOptions DEFAULT = new ModelOptions("fp32", null, null, null, null, null);

    public ModelOptions {
        if (dtype == null) dtype = "fp32";
        DType d = DType.parse(dtype);
        if (d == DType.FP16) throw new IllegalArgumentException("--dtype fp16 is not supported on CPU (use fp32 or bf16)");
        if (arch != null) Family.parse(arch);
        if (prediction != null) predictionType(prediction);
        if (textEncoderHeads != null && textEncoderHeads < 1) throw new IllegalArgumentException("--text-encoder-heads must be positive");
        unetHeads = unetHeads == null ? null : List.copyOf(unetHeads);
    }

    public ModelOptions withDtype(String d) { return new ModelOptions(d, arch, prediction, tokenizer, textEncoderHeads, unetHeads); }

    static PredictionType predictionType(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "epsilon", "eps" -> PredictionType.EPSILON;
            case "v", "v_prediction", "v-prediction" -> PredictionType.V_PREDICTION;
            default -> throw new IllegalArgumentException("--prediction must be epsilon or v_prediction, got '" + s + "'");
        };
    }

    LoadOptions toLoadOptions() {
        ArchOverrides o = new ArchOverrides(arch == null ? null : Family.parse(arch), textEncoderHeads, unetHeads);
        return new LoadOptions(DType.parse(dtype), o, prediction == null ? null : predictionType(prediction), tokenizer, true);
    }

    ArchOverrides overrides() { return toLoadOptions().overrides(); }
}
