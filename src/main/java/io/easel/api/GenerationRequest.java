package io.easel.api;

import io.easel.sampling.SamplerKind;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything one generation needs, validated on construction (sizes multiple of 8, steps,
 * CFG and strength in range). Build with {@link #builder(String)}.
 *
 * @param seed     null = a random seed (the result reports the one used)
 * @param initImage null for txt2img; otherwise img2img from this picture (resized to width x height is NOT done: it must match)
 * @param controls ControlNet units (empty for none)
 */
public record GenerationRequest(
        String prompt, String negativePrompt, int width, int height, int steps, double cfg, SamplerKind sampler,
        double eta, Long seed, int batch, int clipSkip, Path initImage, double strength, List<ControlUnitSpec> controls) {

    public GenerationRequest {
        if (prompt == null) throw new IllegalArgumentException("a prompt is required");
        if (negativePrompt == null) negativePrompt = "";
        if (sampler == null) sampler = SamplerKind.EULER_A;
        controls = controls == null ? List.of() : List.copyOf(controls);
        // Range checks live in the pipeline's value records; build them once to fail early.
        new io.easel.pipeline.Canvas(width, height, batch);
        new io.easel.pipeline.SamplingSpec(sampler, steps, cfg, eta, 0);
        new io.easel.pipeline.Prompt(prompt, negativePrompt, clipSkip);
        if (initImage != null && !(strength > 0 && strength <= 1))
            throw new IllegalArgumentException("--strength must be within (0, 1], got " + strength);
    }

    public static Builder builder(String prompt) { return new Builder(prompt); }

    /**
     * A ControlNet unit as the user describes it.
     *
     * @param model    the ControlNet (any layout: diffusers folder, .safetensors, .pth)
     * @param image    the condition image, or the photo to annotate when {@code annotate} is set
     * @param weight   conditioning scale, 0..2
     * @param start    fraction of the schedule where the unit starts acting, 0..1
     * @param end      fraction where it stops, start..1
     * @param annotate an annotator to run on the image first ("canny", "lines", ...), or null
     * @param mode     balanced, prompt, controlnet or guess (see {@code ControlUnit.ControlMode})
     * @param resize   how an image of another size is fitted: just, crop or fill
     */
    public record ControlUnitSpec(Path model, Path image, double weight, double start, double end, String annotate, String mode, String resize) {
        public ControlUnitSpec {
            if (model == null || image == null) throw new IllegalArgumentException("--control needs MODEL:IMAGE");
            if (!(weight >= 0 && weight <= 2)) throw new IllegalArgumentException("--control weight must be within 0..2, got " + weight);
            if (!(start >= 0 && start <= 1) || !(end >= 0 && end <= 1) || start > end)
                throw new IllegalArgumentException("--control start/end must satisfy 0 <= start <= end <= 1, got " + start + ":" + end);
            if (mode == null) mode = "balanced";
            if (resize == null) resize = "crop";
            io.easel.pipeline.ControlUnit.ControlMode.parse(mode);
            io.easel.pipeline.ControlUnit.ResizeMode.parse(resize);
            if (annotate != null && !annotate.equals("none")) io.easel.annotators.Annotator.byName(annotate);
        }

        /** Parses the CLI form {@code MODEL:IMAGE[:weight[:start:end]]}. */
        public static ControlUnitSpec parse(String spec, String annotate, String mode, String resize) {
            String[] p = spec.split(":");
            if (p.length != 2 && p.length != 3 && p.length != 5)
                throw new IllegalArgumentException("--control must be MODEL:IMAGE[:weight[:start:end]], got '" + spec + "'");
            try {
                double w = p.length > 2 ? Double.parseDouble(p[2]) : 1.0;
                double s = p.length > 3 ? Double.parseDouble(p[3]) : 0.0;
                double e = p.length > 3 ? Double.parseDouble(p[4]) : 1.0;
                return new ControlUnitSpec(Path.of(p[0]), Path.of(p[1]), w, s, e, annotate, mode, resize);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("--control weight, start and end must be numbers, got '" + spec + "'");
            }
        }
    }

    /** Fluent construction with diffusers' defaults (512x512, 20 steps, CFG 7.5, Euler a). */
    public static final class Builder {
        private final String prompt;
        private String negative = "";
        private int width = 512, height = 512, steps = 20, batch = 1, clipSkip = 1;
        private double cfg = 7.5, eta = 0, strength = 0.75;
        private SamplerKind sampler = SamplerKind.EULER_A;
        private Long seed;
        private Path init;
        private List<ControlUnitSpec> controls = List.of();
        private boolean sizeSet;

        Builder(String prompt) { this.prompt = prompt; }

        public Builder negative(String v) { negative = v; return this; }
        public Builder size(int w, int h) { width = w; height = h; sizeSet = true; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder cfg(double v) { cfg = v; return this; }
        public Builder sampler(SamplerKind v) { sampler = v; return this; }
        /** By CLI name (euler_a, dpmpp_2m_karras, ...) or A1111 display name ("Euler a"). */
        public Builder sampler(String v) { sampler = SamplerKind.parse(v); return this; }
        public Builder eta(double v) { eta = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder clipSkip(int v) { clipSkip = v; return this; }
        public Builder initImage(Path p, double s) { init = p; strength = s; return this; }
        public Builder controls(List<ControlUnitSpec> c) { controls = c; return this; }

        /** Whether {@link #size} was called (otherwise the model's native size applies, see {@link Easel#generate}). */
        public boolean hasSize() { return sizeSet; }

        public GenerationRequest build() {
            return new GenerationRequest(prompt, negative, width, height, steps, cfg, sampler, eta, seed, batch, clipSkip, init, strength, controls);
        }
    }
}
