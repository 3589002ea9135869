package io.easel.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainVaeCommandTest {
    @TempDir Path dir;

    @Test
    void helpShowsTheRecipeDefaultsAndTheLoss() {
        CliTest.Run r = CliTest.easel("train", "vae", "--help");
        assertEquals(0, r.code(), r.err());
        for (String s : new String[]{"--steps 2000", "--batch-size 16", "--lr 5e-4", "--checkpoint-every 500", "(default: 1e-6)",
                "(default: 64)", "LPIPS", "scaling_factor", "--data", "--init", "--config", "--save-dtype", "--threads"})
            assertTrue(r.out().contains(s), s + " missing from:\n" + r.out());
        assertEquals(io.easel.train.recipes.VaeRecipe.DEFAULT_LR, Double.parseDouble(io.easel.api.VaeTraining.DEFAULT_LR_TEXT));
        assertEquals(io.easel.train.recipes.VaeRecipe.DEFAULT_KL_WEIGHT, Double.parseDouble(io.easel.api.VaeTraining.DEFAULT_KL_WEIGHT_TEXT));
        assertTrue(CliTest.easel("train", "--help").out().contains("vae"));
    }

    @Test
    void badDataIsOneLineNamingTheDataset() {
        Path missing = dir.resolve("no-such-dataset");
        CliTest.Run r = CliTest.easel("train", "vae", "--data", missing.toString(), "-o", dir.resolve("out").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("easel: ") && r.err().contains("no-such-dataset"), r.err());
        assertFalse(Files.exists(dir.resolve("out")));
        r = CliTest.easel("train", "vae", "-o", dir.resolve("out").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data"), r.err());
    }
}
