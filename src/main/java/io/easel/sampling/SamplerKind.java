package io.easel.sampling;

import java.util.Locale;

/**
 * The samplers Easel implements, each reproducing a diffusers scheduler: DDIM
 * ({@code DDIMScheduler}, with {@code eta}), Euler ({@code EulerDiscreteScheduler}), Euler
 * ancestral ({@code EulerAncestralDiscreteScheduler}) and DPM++ 2M
 * ({@code DPMSolverMultistepScheduler}, dpmsolver++, order 2, midpoint), the last also with
 * Karras sigmas.
 */
public enum SamplerKind {
    DDIM("ddim", false),
    EULER("euler", true),
    EULER_A("euler_a", true),
    DPMPP_2M("dpmpp_2m", true),
    DPMPP_2M_KARRAS("dpmpp_2m_karras", true);

    private final String cliName;
    private final boolean usesSigmas;

    SamplerKind(String cliName, boolean usesSigmas) {
        this.cliName = cliName;
        this.usesSigmas = usesSigmas;
    }

    /** The name on the command line and in requests. */
    public String cliName() { return cliName; }

    /** Whether the sampler works on a sigma schedule (all but DDIM, which works on alpha products). */
    public boolean usesSigmas() { return usesSigmas; }

    /**
     * Parses a CLI name ({@code ddim}, {@code euler}, {@code euler_a}, {@code dpmpp_2m},
     * {@code dpmpp_2m_karras}; case and '-' for '_' are forgiven). {@code ddim_eta}, the reference
     * cases' name for DDIM run with eta &gt; 0, parses as {@link #DDIM}: eta is given separately.
     */
    public static SamplerKind parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (n.equals("ddim_eta")) return DDIM;
        for (SamplerKind k : values()) if (k.cliName.equals(n)) return k;
        StringBuilder known = new StringBuilder();
        for (SamplerKind k : values()) known.append(known.length() == 0 ? "" : ", ").append(k.cliName);
        throw new IllegalArgumentException("unknown sampler '" + s + "' (expected one of " + known + ")");
    }

    @Override public String toString() { return cliName; }
}
