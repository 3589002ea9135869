package io.easel.pipeline;

import io.easel.annotators.Image;
import io.easel.annotators.Interpolation;
import io.easel.annotators.Resize;
import io.easel.models.controlnet.ControlNetModel;
import io.easel.models.controlnet.ControlNetModel.SoftWeights;
import io.easel.models.unet.ControlResiduals;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One ControlNet unit of a generation: a ControlNet, its condition image, a weight, the part of
 * the schedule it acts in, and a control mode. Units are {@link ResidualSource}s; the pipeline
 * sums the residuals of all units.
 *
 * <p>At step {@code i} of {@code n} a unit acts unless {@code i/n < start} or {@code (i+1)/n > end}
 * (diffusers' {@code controlnet_keep}).
 */
public final class ControlUnit implements ResidualSource {

    /**
     * How a unit's residuals enter classifier-free guidance (A1111 sd-webui-controlnet's control modes,
     * plus diffusers' guess mode).
     */
    public enum ControlMode {
        /** Residuals x weight added to both CFG halves; the ControlNet sees each half's own text (diffusers' default). */
        BALANCED("balanced"),
        /**
         * A1111 "My prompt is more important": soft depth weights 0.825^(12-i) (weaker near the
         * input, full strength at the middle block), applied to both CFG halves.
         */
        PROMPT_MORE_IMPORTANT("prompt"),
        /**
         * A1111 "ControlNet is more important" (the original ControlNet's guess mode): the same soft
         * weights, on the conditional half only; the unconditional half gets no control, so CFG
         * amplifies the control.
         */
        CONTROLNET_MORE_IMPORTANT("controlnet"),
        /** diffusers' {@code guess_mode=True}: log-spaced weights 10^((i-12)/12), conditional half only. */
        DIFFUSERS_GUESS("guess");

        private final String cliName;

        ControlMode(String cliName) { this.cliName = cliName; }

        public String cliName() { return cliName; }

        public static ControlMode parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            for (ControlMode m : values()) if (m.cliName.equals(v) || m.name().toLowerCase(Locale.ROOT).equals(v)) return m;
            throw new IllegalArgumentException("--control-mode must be balanced, prompt, controlnet or guess, got '" + s + "'");
        }

        SoftWeights softWeights() {
            return switch (this) {
                case BALANCED -> SoftWeights.NONE;
                case PROMPT_MORE_IMPORTANT, CONTROLNET_MORE_IMPORTANT -> SoftWeights.ORIGINAL_0825;
                case DIFFUSERS_GUESS -> SoftWeights.DIFFUSERS_LOGSPACE;
            };
        }

        boolean conditionalOnly() { return this == CONTROLNET_MORE_IMPORTANT || this == DIFFUSERS_GUESS; }
    }

    /** How a condition image of another size is fitted to the output (A1111's three modes). */
    public enum ResizeMode {
        /** Stretch to the output size, ignoring the aspect ratio. */
        JUST_RESIZE("just"),
        /** Scale to cover the output, then crop the centre (A1111's default). */
        CROP_AND_RESIZE("crop"),
        /** Scale to fit inside the output, then fill the border with the median colour of the image's edge. */
        RESIZE_AND_FILL("fill");

        private final String cliName;

        ResizeMode(String cliName) { this.cliName = cliName; }

        public static ResizeMode parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT);
            for (ResizeMode m : values()) if (m.cliName.equals(v) || m.name().toLowerCase(Locale.ROOT).equals(v.replace('-', '_'))) return m;
            throw new IllegalArgumentException("--resize-mode must be just, crop or fill, got '" + s + "'");
        }

        /** The image fitted to width x height. */
        public Image fit(Image img, int width, int height) {
            if (img.width() == width && img.height() == height) return img;
            switch (this) {
                case JUST_RESIZE:
                    return Resize.resize(img, width, height, Interpolation.CUBIC);
                case CROP_AND_RESIZE: {
                    double k = Math.max((double) width / img.width(), (double) height / img.height());
                    int w = Math.max(width, (int) Math.round(img.width() * k)), h = Math.max(height, (int) Math.round(img.height() * k));
                    Image big = Resize.resize(img, w, h, Interpolation.CUBIC);
                    return crop(big, (w - width) / 2, (h - height) / 2, width, height);
                }
                default: {
                    double k = Math.min((double) width / img.width(), (double) height / img.height());
                    int w = Math.min(width, Math.max(1, (int) Math.round(img.width() * k)));
                    int h = Math.min(height, Math.max(1, (int) Math.round(img.height() * k)));
                    Image small = Resize.resize(img, w, h, Interpolation.CUBIC);
                    float[] fill = borderMedian(img);
                    Image out = Image.blank(width, height, img.channels());
                    for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) for (int c = 0; c < img.channels(); c++) out.set(x, y, c, fill[c]);
                    int ox = (width - w) / 2, oy = (height - h) / 2;
                    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < img.channels(); c++) out.set(ox + x, oy + y, c, small.get(x, y, c));
                    return out;
                }
            }
        }

        private static Image crop(Image img, int x0, int y0, int w, int h) {
            Image out = Image.blank(w, h, img.channels());
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < img.channels(); c++) out.set(x, y, c, img.get(x0 + x, y0 + y, c));
            return out;
        }

        private static float[] borderMedian(Image img) {
            int ch = img.channels();
            float[] med = new float[ch];
            for (int c = 0; c < ch; c++) {
                List<Float> v = new ArrayList<>();
                for (int x = 0; x < img.width(); x++) { v.add(img.get(x, 0, c)); v.add(img.get(x, img.height() - 1, c)); }
                for (int y = 0; y < img.height(); y++) { v.add(img.get(0, y, c)); v.add(img.get(img.width() - 1, y, c)); }
                v.sort(Float::compare);
                med[c] = v.get(v.size() / 2);
            }
            return med;
        }
    }

    private final ControlNetModel model;
    private final Tensor cond;
    private final double weight, start, end;
    private final ControlMode mode;

    /**
     * @param cond the condition image [1,C,H,W] in [0,1] at the output size
     */
    public ControlUnit(ControlNetModel model, Tensor cond, double weight, double start, double end, ControlMode mode) {
        if (!(weight >= 0 && weight <= 2)) throw new IllegalArgumentException("control weight must be within 0..2, got " + weight);
        if (!(start >= 0 && end <= 1 && start <= end)) throw new IllegalArgumentException("control start/end must satisfy 0 <= start <= end <= 1, got " + start + ":" + end);
        this.model = model;
        this.cond = cond;
        this.weight = weight;
        this.start = start;
        this.end = end;
        this.mode = mode == null ? ControlMode.BALANCED : mode;
    }

    /** Whether the unit acts at step i of n (diffusers' controlnet_keep). */
    public boolean acts(int i, int n) {
        return !((double) i / n < start || (double) (i + 1) / n > end);
    }

    @Override
    public ControlResiduals residuals(Tensor x, Tensor t, Tensor ctx, boolean guided, int step, int steps) {
        if (weight == 0 || !acts(step, steps)) return null;
        Tensor c = cond.to(T.dtype(x));
        SoftWeights soft = mode.softWeights();
        if (!guided || !mode.conditionalOnly()) return model.forward(x, t, ctx, c, weight, soft);
        // conditional half only; the unconditional half gets zero residuals
        long b = x.size(0) / 2;
        ControlResiduals r = model.forward(x.narrow(0, b, b), t.narrow(0, b, b), ctx.narrow(0, b, b), c, weight, soft);
        List<Tensor> down = new ArrayList<>();
        for (Tensor d : r.down()) down.add(T.cat(List.of(torch.zeros_like(d), d), 0));
        return new ControlResiduals(down, T.cat(List.of(torch.zeros_like(r.mid()), r.mid()), 0));
    }
}
