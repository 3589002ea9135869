package io.easel.pipeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CanvasTest {
    @Test
    void latentsFollowTheVaeFactor() {
        Canvas c = new Canvas(64, 96, 2);
        assertArrayEquals(new long[]{2, 4, 12, 8}, c.latentShape(4, 8), "Stable Diffusion's 8x VAE");
        assertArrayEquals(new long[]{2, 4, 24, 16}, c.latentShape(4, 4), "the default family's 4x VAE");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Canvas(72, 64, 1).latentShape(4, 16));
        assertTrue(e.getMessage().contains("72x64") && e.getMessage().contains("16"), e.getMessage());
    }
}
