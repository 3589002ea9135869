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
    DDIM("ddim", false, "DDIM"),
    EULER("euler", true, "Euler"),
    EULER_A("euler_a", true, "Euler a"),
    DPMPP_2M("dpmpp_2m", true, "DPM++ 2M"),
    DPMPP_2M_KARRAS("dpmpp_2m_karras", true, "DPM++ 2M Karras");

    private final String cliName;
    private final boolean usesSigmas;
    private final String displayName;

    SamplerKind(String cliName, boolean usesSigmas, String displayName) {
        this.cliName = cliName;
        this.usesSigmas = usesSigmas;
        this.displayName = displayName;
    }

    /** The name A1111 writes in a PNG's parameters ("Euler a", "DPM++ 2M Karras"). */
    public String displayName() { return displayName; }

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
        for (SamplerKind k : values()) if (k.cliName.equals(n) || k.displayName.equalsIgnoreCase(s.trim())) return k;
        StringBuilder known = new StringBuilder();
        for (SamplerKind k : values()) known.append(known.length() == 0 ? "" : ", ").append(k.cliName);
        throw new IllegalArgumentException("unknown sampler '" + s + "' (expected one of " + known + ")");
    }

    @Override public String toString() { return cliName; }
}
