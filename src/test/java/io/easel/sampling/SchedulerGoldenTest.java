package io.easel.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import io.easel.weights.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** golden core/scheduler: timesteps, sigmas, init_noise_sigma and every step's latents with the stand-in model. */
class SchedulerGoldenTest {
    @TestFactory
    List<DynamicTest> schedulerCases() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : GoldenSupport.cases("scheduler")) tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        return tests;
    }

    private static void check(Path dir) throws Exception {
        JsonNode c = GoldenSupport.read(dir);
        double tol = c.get("tolerance").asDouble();
        String name = dir.getFileName().toString();
        SamplerKind kind = SamplerKind.parse(c.get("sampler").asText());
        SchedulerConfig cfg = SchedulerConfig.fromJson(c.get("config"));
        StandInCase.Result r = StandInCase.run(kind, cfg, c.get("steps").asInt(), c.get("eta").asDouble(), c.get("noise_seed").asLong());
        Schedule plan = r.schedule();

        double worst = 0;
        JsonNode ts = c.get("timesteps");
        assertEquals(ts.size(), plan.length(), name + " step count");
        for (int i = 0; i < ts.size(); i++) assertEquals(ts.get(i).asDouble(), plan.timesteps()[i], 0.0, name + " timestep " + i);
        JsonNode sig = c.get("sigmas");
        if (sig == null || sig.isNull()) assertEquals(0, plan.sigmas().length, name + " sigmas");
        else {
            assertEquals(sig.size(), plan.sigmas().length, name + " sigma count");
            double e = GoldenSupport.err(plan.sigmas(), sig);
            worst = Math.max(worst, e);
            assertTrue(e <= tol, name + " sigmas err " + e);
        }
        double initErr = Math.abs(plan.initNoiseSigma() - c.get("init_noise_sigma").asDouble()) / Math.max(1, c.get("init_noise_sigma").asDouble());
        assertTrue(initErr <= tol, name + " init_noise_sigma " + plan.initNoiseSigma());

        Map<String, Tensor> got = r.tensors();
        try (SafeTensors st = SafeTensors.open(dir.resolve(c.get("data").asText()))) {
            assertTrue(st.infos().containsKey("x_init"));
            int stepsSeen = 0;
            for (String key : st.infos().keySet()) {
                assertTrue(got.containsKey(key), name + ": no computed tensor " + key);
                double e = GoldenSupport.err(got.get(key), st.load(key));
                worst = Math.max(worst, e);
                assertTrue(e <= tol, name + " " + key + " err " + e + " > " + tol);
                if (!key.equals("x_init")) stepsSeen++;
            }
            assertEquals(ts.size(), stepsSeen, name + " expected one tensor per step");
            // the comparison has teeth: the last latents are far from the start
            double moved = GoldenSupport.err(got.get("x" + (ts.size() - 1)), st.load("x_init"));
            assertTrue(moved > 100 * tol, name + " sampling left the latents unchanged (" + moved + ")");
        }
        System.out.println(name + " max_err=" + worst);
    }
}
