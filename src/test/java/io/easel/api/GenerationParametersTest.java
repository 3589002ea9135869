package io.easel.api;

import io.easel.sampling.SamplerKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationParametersTest {
    @Test
    void formatsA1111StyleAndParsesBack() {
        GenerationRequest r = GenerationRequest.builder("a cat, sitting on a mat").negative("blurry, low quality").size(640, 384)
                .steps(25).cfg(6.5).sampler(SamplerKind.DPMPP_2M_KARRAS).seed(123L).batch(2).clipSkip(2).build();
        String text = GenerationParameters.format(r, 123, 1, "model.safetensors", "bf16");
        assertEquals("a cat, sitting on a mat\nNegative prompt: blurry, low quality\n"
                + "Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 123, Size: 640x384, Model: model.safetensors, "
                + "Clip skip: 2, Batch size: 2, Batch pos: 1, Dtype: bf16, Version: Easel " + Easel.VERSION, text);
        GenerationRequest back = GenerationParameters.parse(text).toBuilder().build();
        assertEquals(r.prompt(), back.prompt());
        assertEquals(r.negativePrompt(), back.negativePrompt());
        assertEquals(r.width(), back.width());
        assertEquals(r.height(), back.height());
        assertEquals(r.steps(), back.steps());
        assertEquals(r.cfg(), back.cfg());
        assertEquals(r.sampler(), back.sampler());
        assertEquals(r.seed(), back.seed());
        assertEquals(r.batch(), back.batch());
        assertEquals(r.clipSkip(), back.clipSkip());
    }

    @Test
    void multiLinePromptsAndQuotedValues() {
        GenerationParameters.Parsed p = GenerationParameters.parse("line one\nline two\nSteps: 3, ControlNet 0: \"Model: a, Weight: 1\", Seed: 9");
        assertEquals("line one\nline two", p.prompt());
        assertEquals("", p.negativePrompt());
        assertEquals("Model: a, Weight: 1", p.settings().get("ControlNet 0"));
        assertEquals("9", p.settings().get("Seed"));
    }

    @Test
    void requestsRejectOutOfRangeValuesByFlag() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").size(100, 64).build())
                .getMessage().contains("--width"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").steps(0).build())
                .getMessage().contains("--steps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").cfg(31).build())
                .getMessage().contains("--cfg"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").initImage(Path.of("a.png"), 1.5).build())
                .getMessage().contains("--strength"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").eta(0.5).build())
                .getMessage().contains("ddim"));
    }
}
