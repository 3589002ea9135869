package io.easel.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import io.easel.sampling.SchedulerConfig.BetaSchedule;
import io.easel.sampling.SchedulerConfig.FinalSigmasType;
import io.easel.sampling.SchedulerConfig.PredictionType;
import io.easel.sampling.SchedulerConfig.TimestepSpacing;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SchedulerConfigTest {
    private static JsonNode json(String s) throws Exception { return GoldenSupport.JSON.readTree(s); }

    private static String refusal(String json) {
        return assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromJson(json(json))).getMessage();
    }

    @Test
    void emptyConfigTakesDiffusersDefaults() throws Exception {
        SchedulerConfig c = SchedulerConfig.fromJson(json("{}"));
        assertEquals(1000, c.numTrainTimesteps());
        assertEquals(0.0001, c.betaStart());
        assertEquals(0.02, c.betaEnd());
        assertEquals(BetaSchedule.LINEAR, c.betaSchedule());
        assertEquals(PredictionType.EPSILON, c.predictionType());
        assertEquals(0, c.stepsOffset());
        assertTrue(c.setAlphaToOne());
        assertTrue(c.clipSample());
        assertEquals(FinalSigmasType.ZERO, c.finalSigmasType());
        assertTrue(c.lowerOrderFinal());
        assertFalse(c.useKarrasSigmas());
        // the scheduler classes disagree on the spacing: each sampler gets its own class's default
        assertNull(c.timestepSpacing());
        assertEquals(TimestepSpacing.LEADING, c.spacingFor(SamplerKind.DDIM));
        assertEquals(TimestepSpacing.LINSPACE, c.spacingFor(SamplerKind.EULER));
        assertEquals(TimestepSpacing.LINSPACE, c.spacingFor(SamplerKind.DPMPP_2M_KARRAS));
    }

    @Test
    void sd15ScheduleFileParsesToTheConstant() throws Exception {
        // runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json (a PNDM config)
        SchedulerConfig c = SchedulerConfig.fromJson(json("{\"_class_name\": \"PNDMScheduler\", \"_diffusers_version\": \"0.6.0\","
                + "\"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"num_train_timesteps\": 1000,"
                + "\"set_alpha_to_one\": false, \"skip_prk_steps\": true, \"steps_offset\": 1, \"trained_betas\": null, \"clip_sample\": false}"));
        assertEquals(SchedulerConfig.SD15, c);
        assertEquals(PredictionType.V_PREDICTION, SchedulerConfig.SD2_V.predictionType());
    }

    @Test
    void explicitValuesAreRead() throws Exception {
        SchedulerConfig c = SchedulerConfig.fromJson(json("{\"timestep_spacing\": \"trailing\", \"prediction_type\": \"v_prediction\","
                + "\"beta_schedule\": \"squaredcos_cap_v2\", \"use_karras_sigmas\": true, \"final_sigmas_type\": \"sigma_min\","
                + "\"clip_sample_range\": 2.5, \"lower_order_final\": false, \"euler_at_final\": true, \"num_train_timesteps\": 500}"));
        assertEquals(TimestepSpacing.TRAILING, c.spacingFor(SamplerKind.DDIM));
        assertEquals(PredictionType.V_PREDICTION, c.predictionType());
        assertEquals(BetaSchedule.SQUAREDCOS_CAP_V2, c.betaSchedule());
        assertTrue(c.useKarrasSigmas());
        assertEquals(FinalSigmasType.SIGMA_MIN, c.finalSigmasType());
        assertEquals(2.5, c.clipSampleRange());
        assertFalse(c.lowerOrderFinal());
        assertTrue(c.eulerAtFinal());
        assertEquals(500, c.numTrainTimesteps());
    }

    @Test
    void keysListedInUseDefaultValuesAreDropped() throws Exception {
        // diffusers drops them before from_config so the target class's default applies
        SchedulerConfig c = SchedulerConfig.fromJson(json("{\"timestep_spacing\": \"leading\", \"thresholding\": true,"
                + "\"_use_default_values\": [\"timestep_spacing\", \"thresholding\"]}"));
        assertNull(c.timestepSpacing());
    }

    @Test
    void refusesWhatIsNotImplementedByName() {
        assertTrue(refusal("{\"thresholding\": true}").contains("thresholding"));
        assertTrue(refusal("{\"trained_betas\": [0.1, 0.2]}").contains("trained_betas"));
        assertTrue(refusal("{\"use_exponential_sigmas\": true}").contains("use_exponential_sigmas"));
        assertTrue(refusal("{\"algorithm_type\": \"sde-dpmsolver++\"}").contains("algorithm_type"));
        assertTrue(refusal("{\"solver_order\": 3}").contains("solver_order"));
        assertTrue(refusal("{\"solver_type\": \"heun\"}").contains("solver_type"));
        assertTrue(refusal("{\"timestep_type\": \"continuous\"}").contains("timestep_type"));
        assertTrue(refusal("{\"interpolation_type\": \"log_linear\"}").contains("interpolation_type"));
        assertTrue(refusal("{\"sigma_min\": 0.1}").contains("sigma_min"));
        assertTrue(refusal("{\"variance_type\": \"learned_range\"}").contains("variance_type"));
        assertTrue(refusal("{\"lambda_min_clipped\": -5.1}").contains("lambda_min_clipped"));
        String m = refusal("{\"prediction_type\": \"sample\"}");
        assertTrue(m.contains("prediction_type") && m.contains("'sample'") && m.contains("v_prediction"), m);
        assertTrue(refusal("{\"beta_schedule\": \"sigmoid\"}").contains("beta_schedule"));
        assertTrue(refusal("{\"timestep_spacing\": \"middle\"}").contains("timestep_spacing"));
        assertTrue(refusal("{\"final_sigmas_type\": \"denoise_to_zero\"}").contains("final_sigmas_type"));
        assertTrue(refusal("{\"steps_offset\": \"one\"}").contains("steps_offset"));
        assertTrue(refusal("{\"clip_sample\": 1}").contains("clip_sample"));
        assertTrue(refusal("[]").contains("object"));
    }

    @Test
    void zeroTerminalSnrIsRead() throws Exception {
        assertTrue(SchedulerConfig.fromJson(json("{\"rescale_betas_zero_snr\": true, \"prediction_type\": \"v_prediction\"}")).rescaleBetasZeroSnr());
        assertFalse(SchedulerConfig.fromJson(json("{}")).rescaleBetasZeroSnr());
        SchedulerConfig z = SchedulerConfig.SD15.withZeroTerminalSnr();
        assertEquals(SchedulerConfig.PredictionType.V_PREDICTION, z.predictionType());
        assertEquals(SchedulerConfig.TimestepSpacing.TRAILING, z.timestepSpacing());
        assertTrue(z.withPredictionType(SchedulerConfig.PredictionType.EPSILON).rescaleBetasZeroSnr(), "the other withers keep it");
    }

    @Test
    void neutralValuesOfUnimplementedOptionsAreAccepted() throws Exception {
        SchedulerConfig.fromJson(json("{\"thresholding\": false, \"trained_betas\": null, \"rescale_betas_zero_snr\": false,"
                + "\"algorithm_type\": \"dpmsolver++\", \"solver_order\": 2, \"solver_type\": \"midpoint\", \"sigma_min\": null,"
                + "\"interpolation_type\": \"linear\", \"timestep_type\": \"discrete\", \"use_beta_sigmas\": false,"
                + "\"dynamic_thresholding_ratio\": 0.995, \"sample_max_value\": 1.0, \"variance_type\": null}"));
    }

    @Test
    void everyGoldenSchedulerConfigParses() throws Exception {
        String root = System.getProperty("easel.golden");
        org.junit.jupiter.api.Assumptions.assumeTrue(root != null && Files.isDirectory(Path.of(root, "core")));
        List<Path> cases = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of(root, "core"), 3)) { s.filter(p -> p.endsWith("case.json")).forEach(cases::add); }
        int parsed = 0;
        for (Path p : cases) {
            JsonNode c = GoldenSupport.JSON.readTree(p.toFile());
            JsonNode cfg = c.has("scheduler_config") ? c.get("scheduler_config") : c.get("kind").asText().equals("scheduler") ? c.get("config") : null;
            if (cfg == null) continue;
            SchedulerConfig sc = SchedulerConfig.fromJson(cfg);
            SamplerKind kind = SamplerKind.parse(c.get("sampler").asText());
            assertNotNull(Schedule.plan(kind, sc, c.get("steps").asInt(), c.path("eta").asDouble(0)), p.toString());
            parsed++;
        }
        assertTrue(parsed >= 10, "parsed " + parsed);
    }

    @Test
    void withersKeepTheRest() {
        SchedulerConfig c = SchedulerConfig.SD15.withTimestepSpacing(TimestepSpacing.TRAILING);
        assertEquals(TimestepSpacing.TRAILING, c.timestepSpacing());
        assertEquals(SchedulerConfig.SD15, c.withTimestepSpacing(null));
        assertTrue(refusal("{\"num_train_timesteps\": 1}").contains("num_train_timesteps"));
    }
}
