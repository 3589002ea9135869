package io.easel.sampling;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Mirrors a diffusers scheduler config JSON ({@code scheduler/scheduler_config.json}): the training
 * noise schedule plus the inference options of the schedulers Easel implements. One config serves
 * every {@link SamplerKind}, as diffusers' {@code XScheduler.from_config(pipe.scheduler.config)} does.
 *
 * <p>Defaults are diffusers'. Where the scheduler classes disagree, the field holds {@code null}
 * and the sampler's own default applies: {@code timestep_spacing} is {@code leading} for DDIM and
 * {@code linspace} for Euler, Euler a and DPM++ ({@link #spacingFor}).
 *
 * @param numTrainTimesteps   {@code num_train_timesteps}
 * @param betaStart           {@code beta_start}
 * @param betaEnd             {@code beta_end}
 * @param betaSchedule        {@code beta_schedule}
 * @param predictionType      {@code prediction_type}: what the model outputs
 * @param timestepSpacing     {@code timestep_spacing}, or null for the sampler's default
 * @param stepsOffset         {@code steps_offset} (added to {@code leading} timesteps)
 * @param setAlphaToOne       {@code set_alpha_to_one} (DDIM: the alpha product after the last step)
 * @param clipSample          {@code clip_sample} (DDIM: clamp the predicted x0)
 * @param clipSampleRange     {@code clip_sample_range}
 * @param useKarrasSigmas     {@code use_karras_sigmas} (Euler, DPM++; {@link SamplerKind#DPMPP_2M_KARRAS} forces it)
 * @param finalSigmasType     {@code final_sigmas_type} (Euler, DPM++)
 * @param lowerOrderFinal     {@code lower_order_final} (DPM++: first-order last step under 15 steps)
 * @param eulerAtFinal        {@code euler_at_final} (DPM++: always first-order last step)
 * @param rescaleBetasZeroSnr {@code rescale_betas_zero_snr}: the betas rescaled so that the last
 *                            training timestep has zero signal-to-noise ratio (Lin et al. 2023,
 *                            "Common Diffusion Noise Schedules and Sample Steps are Flawed"); the
 *                            model then needs v-prediction
 */
public record SchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        BetaSchedule betaSchedule,
        PredictionType predictionType,
        TimestepSpacing timestepSpacing,
        int stepsOffset,
        boolean setAlphaToOne,
        boolean clipSample,
        double clipSampleRange,
        boolean useKarrasSigmas,
        FinalSigmasType finalSigmasType,
        boolean lowerOrderFinal,
        boolean eulerAtFinal,
        boolean rescaleBetasZeroSnr) {

    /** {@code beta_schedule}. */
    public enum BetaSchedule {
        LINEAR("linear"), SCALED_LINEAR("scaled_linear"), SQUAREDCOS_CAP_V2("squaredcos_cap_v2");
        public final String jsonName;
        BetaSchedule(String n) { jsonName = n; }
    }

    /** {@code prediction_type}: the model predicts the noise (epsilon) or the velocity v. */
    public enum PredictionType {
        EPSILON("epsilon"), V_PREDICTION("v_prediction");
        public final String jsonName;
        PredictionType(String n) { jsonName = n; }
    }

    /** {@code timestep_spacing} (Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed"). */
    public enum TimestepSpacing {
        LEADING("leading"), LINSPACE("linspace"), TRAILING("trailing");
        public final String jsonName;
        TimestepSpacing(String n) { jsonName = n; }
    }

    /** {@code final_sigmas_type}: the sigma after the last step. */
    public enum FinalSigmasType {
        ZERO("zero"), SIGMA_MIN("sigma_min");
        public final String jsonName;
        FinalSigmasType(String n) { jsonName = n; }
    }

    /** Stable Diffusion 1.x (and SD2 512-base): scaled_linear 0.00085..0.012, steps_offset 1, epsilon. */
    public static final SchedulerConfig SD15 = new SchedulerConfig(1000, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR,
            PredictionType.EPSILON, null, 1, false, false, 1.0, false, FinalSigmasType.ZERO, true, false);

    /** Stable Diffusion 2.x 768-v: the SD1.5 schedule with v-prediction. */
    public static final SchedulerConfig SD2_V = SD15.withPredictionType(PredictionType.V_PREDICTION);

    /** Without zero-terminal-SNR rescaling. */
    public SchedulerConfig(int numTrainTimesteps, double betaStart, double betaEnd, BetaSchedule betaSchedule,
                           PredictionType predictionType, TimestepSpacing timestepSpacing, int stepsOffset, boolean setAlphaToOne,
                           boolean clipSample, double clipSampleRange, boolean useKarrasSigmas, FinalSigmasType finalSigmasType,
                           boolean lowerOrderFinal, boolean eulerAtFinal) {
        this(numTrainTimesteps, betaStart, betaEnd, betaSchedule, predictionType, timestepSpacing, stepsOffset, setAlphaToOne,
                clipSample, clipSampleRange, useKarrasSigmas, finalSigmasType, lowerOrderFinal, eulerAtFinal, false);
    }

    public SchedulerConfig {
        if (numTrainTimesteps < 2) throw new IllegalArgumentException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        if (betaSchedule == null || predictionType == null || finalSigmasType == null)
            throw new IllegalArgumentException("beta_schedule, prediction_type and final_sigmas_type must be set");
        if (stepsOffset < 0) throw new IllegalArgumentException("steps_offset must not be negative, got " + stepsOffset);
    }

    /** The spacing the given sampler uses: the configured one, else that scheduler class's default. */
    public TimestepSpacing spacingFor(SamplerKind kind) {
        if (timestepSpacing != null) return timestepSpacing;
        return kind == SamplerKind.DDIM ? TimestepSpacing.LEADING : TimestepSpacing.LINSPACE;
    }

    public SchedulerConfig withPredictionType(PredictionType p) {
        return new SchedulerConfig(numTrainTimesteps, betaStart, betaEnd, betaSchedule, p, timestepSpacing, stepsOffset,
                setAlphaToOne, clipSample, clipSampleRange, useKarrasSigmas, finalSigmasType, lowerOrderFinal, eulerAtFinal, rescaleBetasZeroSnr);
    }

    public SchedulerConfig withTimestepSpacing(TimestepSpacing s) {
        return new SchedulerConfig(numTrainTimesteps, betaStart, betaEnd, betaSchedule, predictionType, s, stepsOffset,
                setAlphaToOne, clipSample, clipSampleRange, useKarrasSigmas, finalSigmasType, lowerOrderFinal, eulerAtFinal, rescaleBetasZeroSnr);
    }

    /**
     * Zero terminal SNR as Lin et al. (2023) recommend it: the rescaled betas, v-prediction and
     * {@code trailing} timesteps, so that sampling starts from pure noise at the last training
     * timestep, which is what the model saw there in training.
     */
    public SchedulerConfig withZeroTerminalSnr() {
        return new SchedulerConfig(numTrainTimesteps, betaStart, betaEnd, betaSchedule, PredictionType.V_PREDICTION, TimestepSpacing.TRAILING,
                stepsOffset, setAlphaToOne, clipSample, clipSampleRange, useKarrasSigmas, finalSigmasType, lowerOrderFinal, eulerAtFinal, true);
    }

    /**
     * Reads a diffusers scheduler config (of any scheduler class: PNDM, DDIM, Euler, DPM-Solver...).
     * Keys named in {@code _use_default_values} are dropped first, as diffusers does, so that the
     * sampler's own defaults apply. Keys that change nothing here ({@code _class_name},
     * {@code skip_prk_steps}, {@code dynamic_thresholding_ratio}...) are ignored; options Easel does
     * not implement are refused by name when set to anything but their neutral value.
     *
     * @throws IllegalArgumentException naming the key and value that are not supported
     */
    public static SchedulerConfig fromJson(JsonNode json) {
        if (json == null || !json.isObject()) throw new IllegalArgumentException("scheduler config must be a JSON object");
        Reader r = new Reader(json);
        // Options with no implementation: accepted only at their neutral value.
        r.refuseUnless("trained_betas", JsonNode::isNull, "an explicit trained_betas array");
        r.refuseUnless("thresholding", n -> !n.asBoolean(), "thresholding=true (dynamic thresholding)");
        r.refuseUnless("use_exponential_sigmas", n -> !n.asBoolean(), "use_exponential_sigmas=true");
        r.refuseUnless("use_beta_sigmas", n -> !n.asBoolean(), "use_beta_sigmas=true");
        r.refuseUnless("use_lu_lambdas", n -> !n.asBoolean(), "use_lu_lambdas=true");
        r.refuseUnless("use_flow_sigmas", n -> !n.asBoolean(), "use_flow_sigmas=true");
        r.refuseUnless("use_dynamic_shifting", n -> !n.asBoolean(), "use_dynamic_shifting=true");
        r.refuseUnless("sigma_min", JsonNode::isNull, "a sigma_min override");
        r.refuseUnless("sigma_max", JsonNode::isNull, "a sigma_max override");
        r.refuseUnless("variance_type", JsonNode::isNull, "variance_type (learned variance)");
        r.refuseUnless("interpolation_type", n -> n.asText().equals("linear"), "interpolation_type other than linear");
        r.refuseUnless("timestep_type", n -> n.asText().equals("discrete"), "timestep_type other than discrete");
        r.refuseUnless("algorithm_type", n -> n.asText().equals("dpmsolver++"), "algorithm_type other than dpmsolver++");
        r.refuseUnless("solver_type", n -> n.asText().equals("midpoint"), "solver_type other than midpoint");
        r.refuseUnless("solver_order", n -> n.isNumber() && n.asInt() == 2, "solver_order other than 2");
        r.refuseUnless("lambda_min_clipped",
                n -> (n.isNumber() && n.asDouble() == Double.NEGATIVE_INFINITY) || n.asText().equals("-Infinity"),
                "a finite lambda_min_clipped");

        String spacing = r.text("timestep_spacing", null);
        return new SchedulerConfig(
                r.integer("num_train_timesteps", 1000),
                r.number("beta_start", 0.0001),
                r.number("beta_end", 0.02),
                parse(BetaSchedule.values(), r.text("beta_schedule", "linear"), "beta_schedule", e -> e.jsonName),
                parse(PredictionType.values(), r.text("prediction_type", "epsilon"), "prediction_type", e -> e.jsonName),
                spacing == null ? null : parse(TimestepSpacing.values(), spacing, "timestep_spacing", e -> e.jsonName),
                r.integer("steps_offset", 0),
                r.bool("set_alpha_to_one", true),
                r.bool("clip_sample", true),
                r.number("clip_sample_range", 1.0),
                r.bool("use_karras_sigmas", false),
                parse(FinalSigmasType.values(), r.text("final_sigmas_type", "zero"), "final_sigmas_type", e -> e.jsonName),
                r.bool("lower_order_final", true),
                r.bool("euler_at_final", false),
                r.bool("rescale_betas_zero_snr", false));
    }

    private static <E extends Enum<E>> E parse(E[] values, String text, String key, java.util.function.Function<E, String> name) {
        StringBuilder known = new StringBuilder();
        for (E e : values) {
            if (name.apply(e).equals(text)) return e;
            known.append(known.length() == 0 ? "" : ", ").append(name.apply(e));
        }
        throw new IllegalArgumentException("unsupported " + key + " '" + text + "' (supported: " + known + ")");
    }

    /** Typed access to the config's keys after dropping {@code _use_default_values}; null counts as absent. */
    private static final class Reader {
        private final JsonNode json;
        private final Set<String> useDefault = new HashSet<>();

        Reader(JsonNode json) {
            this.json = json;
            JsonNode d = json.get("_use_default_values");
            if (d != null && d.isArray()) for (JsonNode k : d) useDefault.add(k.asText());
        }

        JsonNode get(String key) {
            if (useDefault.contains(key)) return null;
            JsonNode n = json.get(key);
            return n == null || n.isNull() ? null : n;
        }

        void refuseUnless(String key, java.util.function.Predicate<JsonNode> neutral, String what) {
            JsonNode n = useDefault.contains(key) ? null : json.get(key);
            if (n != null && !n.isNull() && !neutral.test(n))
                throw new IllegalArgumentException("unsupported scheduler option " + key + "=" + n + ": " + what + " is not implemented");
        }

        String text(String key, String dflt) {
            JsonNode n = get(key);
            if (n == null) return dflt;
            if (!n.isTextual()) throw new IllegalArgumentException(key + " must be a string, got " + n);
            return n.asText().toLowerCase(Locale.ROOT);
        }

        double number(String key, double dflt) {
            JsonNode n = get(key);
            if (n == null) return dflt;
            if (!n.isNumber()) throw new IllegalArgumentException(key + " must be a number, got " + n);
            return n.asDouble();
        }

        int integer(String key, int dflt) {
            JsonNode n = get(key);
            if (n == null) return dflt;
            if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble())))
                throw new IllegalArgumentException(key + " must be an integer, got " + n);
            return n.asInt();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode n = get(key);
            if (n == null) return dflt;
            if (!n.isBoolean()) throw new IllegalArgumentException(key + " must be true or false, got " + n);
            return n.asBoolean();
        }
    }
}
