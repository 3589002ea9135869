package io.easel.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code easel train clip}: the recipe's defaults in --help, one-line refusals. */
class TrainClipCommandTest {
    @TempDir Path tmp;

    @Test
    void helpShowsTheRecipeDefaults() {
        CliTest.Run r = CliTest.easel("train", "clip", "--help");
        assertEquals(0, r.code());
        for (String s : new String[]{"--steps 2800", "--batch-size 64", "--lr 5.0E-4", "--warmup-steps 100", "--lr-schedule cosine",
                "--weight-decay 0.1", "--image-size 64", "text_encoder/", "metrics.json", "--save-dtype", "fp32 or fp16 for the final model's files (default: fp32)"})
            assertTrue(r.out().replace("\n", " ").replaceAll(" +", " ").contains(s), s + " in:\n" + r.out());
        assertTrue(CliTest.easel("train", "--help").out().contains("clip"));
    }

    @Test
    void badInputIsOneLine() {
        CliTest.Run r = CliTest.easel("train", "clip", "-o", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data"), r.err());
        r = CliTest.easel("train", "clip", "--data", tmp.resolve("missing").toString(), "-o", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertEquals("easel: --data " + tmp.resolve("missing") + ": no such file or folder", r.err().strip());
        r = CliTest.easel("train", "clip", "--data", tmp.toString(), "-o", tmp.resolve("o").toString(), "--warmup-steps", "50", "--steps", "50",
                "--lr-schedule", "cosine");
        assertEquals(2, r.code());
        assertTrue(r.err().strip().startsWith("easel: --warmup-steps 50 must be below --steps 50"), r.err());
        r = CliTest.easel("train", "clip", "--data", tmp.toString(), "-o", tmp.resolve("o").toString(), "--save-dtype", "int8");
        assertEquals(2, r.code());
        assertEquals("easel: --save-dtype must be fp32 or fp16, got 'int8'", r.err().strip());
    }
}
