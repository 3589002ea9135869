package io.easel.sampling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamplerKindTest {
    @Test
    void parsesCliNames() {
        for (SamplerKind k : SamplerKind.values()) assertSame(k, SamplerKind.parse(k.cliName()));
        assertSame(SamplerKind.EULER_A, SamplerKind.parse(" Euler-A "));
        assertSame(SamplerKind.DDIM, SamplerKind.parse("ddim_eta"));
        assertFalse(SamplerKind.DDIM.usesSigmas());
        assertTrue(SamplerKind.DPMPP_2M_KARRAS.usesSigmas());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        String m = assertThrows(IllegalArgumentException.class, () -> SamplerKind.parse("lms")).getMessage();
        assertTrue(m.contains("'lms'") && m.contains("dpmpp_2m_karras"), m);
    }
}
