package io.easel.train.shapes;

import io.easel.annotators.Image;
import io.easel.annotators.Images;
import io.easel.pipeline.ControlNetCache;
import io.easel.pipeline.ControlUnit;
import io.easel.pipeline.PipelineImages;
import io.easel.pipeline.SamplingSpec;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.SamplerKind;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The contact sheet of {@code easel demo}: text-only generations for a few prompts, then per
 * ControlNet two held-out scenes shown as condition and result (same prompt and seed).
 */
public final class Demo {
    /** Prompts of the first row, in the shapes-world grammar. */
    public static final List<String> PROMPTS = List.of(
            "a red circle above a blue square",
            "a yellow star left of a green ring",
            "a large purple triangle on a striped background",
            "a white stick figure right of an orange square");

    private static final int SCALE = 3, LABEL = 16, GAP = 6;

    private Demo() {}

    /** Progress per generated image. */
    public interface Progress { void update(int done, int total); }

    public static BufferedImage contactSheet(StableDiffusion sd, Map<ConditionKind, Path> controlNets, long seed, SamplerKind sampler,
                                             int steps, double cfg, Progress progress) {
        int size = sd.nativeSize();
        List<List<Cell>> rows = new ArrayList<>();
        int total = PROMPTS.size() + 2 * controlNets.size(), done = 0;
        List<Cell> first = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            first.add(new Cell(ShapesEvaluation.generate(sd, PROMPTS.get(i), size, new SamplingSpec(sampler, steps, cfg, 0, seed + i), List.of()), PROMPTS.get(i)));
            progress.update(++done, total);
        }
        rows.add(first);
        ShapesWorld.Options world = ShapesWorld.Options.defaults().withSize(size);
        try (ControlNetCache nets = new ControlNetCache(sd)) {
            int k = 0;
            for (Map.Entry<ConditionKind, Path> e : controlNets.entrySet()) {
                List<Cell> row = new ArrayList<>();
                long index = 1000 + 100L * k;
                for (int j = 0; j < 2; j++) {
                    Placed p = sceneFor(e.getKey(), seed, index, world);
                    ShapesWorld.Sample s = p.sample();
                    index = p.index() + 1;
                    Rendered r = ShapesWorld.render(s.scene()), twin = ShapesWorld.render(s.styleTwin());
                    Image cond = e.getKey().compute(r, twin).toRgb();
                    ControlUnit unit = nets.unit(e.getValue(), PipelineImages.toUnitTensor(cond), 1.0, 0, 1, ControlUnit.ControlMode.BALANCED);
                    Image out = ShapesEvaluation.generate(sd, s.scene().caption(), size, new SamplingSpec(sampler, steps, cfg, 0, seed + 100 + j), List.of(unit));
                    row.add(new Cell(cond, e.getKey().dirName() + " condition"));
                    row.add(new Cell(out, s.scene().caption()));
                    progress.update(++done, total);
                }
                rows.add(row);
                k++;
            }
        }
        return compose(rows, size);
    }

    /** A held-out scene for a condition's row, found from {@code index} on: the pose row's has a stick figure (the others any). */
    static Placed sceneFor(ConditionKind kind, long seed, long index, ShapesWorld.Options world) {
        ShapesWorld.Options w = kind == ConditionKind.POSE ? world.withShapes(List.of(ShapeKind.STICK_FIGURE, ShapeKind.CIRCLE, ShapeKind.SQUARE)) : world;
        for (long i = index; ; i++) {
            ShapesWorld.Sample s = ShapesWorld.sample(ShapesWorld.sceneSeed(seed, 1, i), w);
            if (kind != ConditionKind.POSE || s.scene().objects().stream().anyMatch(o -> o.shape() == ShapeKind.STICK_FIGURE)) return new Placed(s, i);
        }
    }

    /** A sampled scene and the index it was found at. */
    record Placed(ShapesWorld.Sample sample, long index) {}

    record Cell(Image image, String label) {}

    static BufferedImage compose(List<List<Cell>> rows, int size) {
        int cell = size * SCALE;
        int cols = rows.stream().mapToInt(List::size).max().orElse(1);
        int w = cols * (cell + GAP) + GAP, h = rows.size() * (cell + LABEL + GAP) + GAP;
        BufferedImage sheet = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(new Color(24, 24, 24));
        g.fillRect(0, 0, w, h);
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).size(); c++) {
                Cell cl = rows.get(r).get(c);
                int x = GAP + c * (cell + GAP), y = GAP + r * (cell + LABEL + GAP);
                g.drawImage(Images.toBuffered(cl.image()), x, y + LABEL, cell, cell, null);
                label(g, cl.label(), x, y + LABEL - 4, cell);
            }
        }
        g.dispose();
        return sheet;
    }

    /** Draws a label if fonts are available (a headless machine may lack them: then the sheet has no text). */
    private static void label(Graphics2D g, String text, int x, int y, int width) {
        try {
            g.setColor(new Color(230, 230, 230));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            String t = text;
            while (t.length() > 3 && g.getFontMetrics().stringWidth(t) > width) t = t.substring(0, t.length() - 4) + "...";
            g.drawString(t, x, y);
        } catch (Throwable e) {
            // no fonts: labels are decoration only
        }
    }
}
