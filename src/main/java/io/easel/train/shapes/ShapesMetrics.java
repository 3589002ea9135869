package io.easel.train.shapes;

import io.easel.annotators.Canny;
import io.easel.annotators.Image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Measures how well an image (generated, typically) shows a shapes-world scene, from the image's
 * pixels and the scene's exact truth only (issue #9 item 6).
 *
 * <p>Detection: each pixel takes the nearest of the 8 {@link NamedColor}s and the 9
 * {@link Background#PALETTE} colours in RGB; pixels nearest a background colour are background.
 * Pixels of one named colour form 8-connected components; components smaller than
 * {@link #minArea} (0.5% of the image) are noise. A component's shape is the world's shape whose
 * template overlaps it best ({@link ShapeTemplates}), or none.
 *
 * <p>Per scene ({@link #score}):
 * <ul>
 *   <li><b>colour</b>, per object: a component of its colour exists;</li>
 *   <li><b>shape</b>, per object: the largest component of its colour is classified as its shape
 *       (so a shape in the wrong colour does not count);</li>
 *   <li><b>relation</b>, per (subject, other) pair of the caption's relation: the centroids of the
 *       largest components of the two colours are ordered as the relation says along its axis
 *       (no margin; a missing colour is a miss);</li>
 *   <li><b>edge F1</b>: {@link Canny#edgeF1} of the Canny edges of the image against the Canny
 *       condition (the edges of the true render), exact pixel positions;</li>
 *   <li><b>segmentation IoU</b>: the image's label map (each component painted with the class of
 *       its shape) against the true class map, IoU averaged over the object classes present in
 *       either (background excluded, so an empty prediction scores 0, not the background's share);</li>
 *   <li><b>pose</b>, per stick figure: not a keypoint detector (a generated figure is one colour,
 *       with no joint markings) but two adherence measures against the true figure: the IoU of its
 *       true pixel mask with the pixels of its colour, and PCK, the fraction of its 14 body
 *       keypoints (nose to ankles; eyes and ears lie inside the head) with a pixel of its colour
 *       within {@code max(1.5, size / 32)} pixels.</li>
 * </ul>
 * On the true render every measure is 1; on an image of another scene they fall to chance
 * (checked by the tests). Sizes are not measured.
 */
public final class ShapesMetrics {
    private static final int[][] ANCHORS;
    private static final int NAMED = NamedColor.values().length;
    /** Body keypoints scored by PCK: nose, neck, shoulders, elbows, wrists, hips, knees, ankles. */
    static final int BODY_KEYPOINTS = 14;

    static {
        List<int[]> a = new ArrayList<>();
        for (NamedColor c : NamedColor.values()) a.add(c.rgb().toArray());
        for (Rgb c : Background.PALETTE) a.add(c.toArray());
        ANCHORS = a.toArray(new int[0][]);
    }

    private ShapesMetrics() {}

    /** Smallest component counted as an object: 0.5% of the image (20 pixels at 64x64). */
    public static int minArea(int width, int height) {
        return Math.max(4, width * height / 200);
    }

    /**
     * Per pixel, the ordinal of the nearest {@link NamedColor}, or -1 where a background colour is
     * nearer (ties go to the earlier anchor: named colours first).
     */
    public static int[] colorMap(Image image) {
        Image im = image.toRgb();
        int n = im.width() * im.height();
        float[] d = im.data();
        int[] out = new int[n];
        for (int p = 0; p < n; p++) {
            float r = d[3 * p], g = d[3 * p + 1], b = d[3 * p + 2];
            int best = 0;
            float bd = Float.POSITIVE_INFINITY;
            for (int k = 0; k < ANCHORS.length; k++) {
                float dr = r - ANCHORS[k][0], dg = g - ANCHORS[k][1], db = b - ANCHORS[k][2];
                float dd = dr * dr + dg * dg + db * db;
                if (dd < bd) {
                    bd = dd;
                    best = k;
                }
            }
            out[p] = best < NAMED ? best : -1;
        }
        return out;
    }

    /**
     * A detected object: an 8-connected component of one named colour.
     *
     * @param color       its colour
     * @param pixels      its pixel indices {@code y * width + x}
     * @param descriptors its shape descriptors
     * @param shape       its classified shape ({@link ShapeTemplates}), null when it matches none
     */
    public record Component(NamedColor color, int[] pixels, ShapeDescriptors descriptors, ShapeKind shape) {

        /** The centroid. */
        public Point centre() {
            return descriptors.centre();
        }
    }

    /** Components of at least {@code minArea} pixels, by colour ordinal, then largest first. */
    public static List<Component> detect(Image image, int minArea) {
        int w = image.width(), h = image.height();
        int[] cm = colorMap(image);
        boolean[] seen = new boolean[w * h];
        int[] stack = new int[w * h];
        List<Component> out = new ArrayList<>();
        for (int s = 0; s < w * h; s++) {
            if (seen[s] || cm[s] < 0) continue;
            int c = cm[s], top = 0, n = 0;
            int[] pix = new int[16];
            seen[s] = true;
            stack[top++] = s;
            while (top > 0) {
                int p = stack[--top];
                if (n == pix.length) pix = Arrays.copyOf(pix, n * 2);
                pix[n++] = p;
                int x = p % w, y = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) continue;
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        if (xx < 0 || xx >= w) continue;
                        int q = yy * w + xx;
                        if (!seen[q] && cm[q] == c) {
                            seen[q] = true;
                            stack[top++] = q;
                        }
                    }
                }
            }
            if (n < minArea) continue;
            int[] px = Arrays.copyOf(pix, n);
            ShapeDescriptors d = ShapeDescriptors.of(px, w, h);
            out.add(new Component(NamedColor.values()[c], px, d, ShapeTemplates.classify(px, d, w, h)));
        }
        out.sort(Comparator.comparingInt((Component k) -> k.color().ordinal()).thenComparing(k -> -k.pixels().length));
        return out;
    }

    /**
     * The scores of one image against one scene.
     *
     * @param colorHits     objects whose colour was found
     * @param shapeHits     objects found in their colour with their shape
     * @param objects       objects in the scene
     * @param relationHits  relation pairs satisfied
     * @param relations     relation pairs in the scene (0 with one object)
     * @param relationsFound relation pairs whose two colours were both found (those the relation can be judged on)
     * @param edgeF1        edge F1 against the Canny condition
     * @param segmentationIoU mean IoU over object classes
     * @param poseIoU       per stick figure, the mask IoU
     * @param posePck       per stick figure, the fraction of body keypoints reached
     */
    public record SceneScore(int colorHits, int shapeHits, int objects, int relationHits, int relations, int relationsFound, double edgeF1,
                             double segmentationIoU, List<Double> poseIoU, List<Double> posePck) {}

    /** Scores an image against a scene (the same size). */
    public static SceneScore score(Image image, Scene truth) {
        return score(image, ShapesWorld.render(truth));
    }

    /** Scores an image against a rendered scene (the same size). */
    public static SceneScore score(Image image, Rendered truth) {
        Scene s = truth.scene();
        int w = s.width(), h = s.height();
        if (image.width() != w || image.height() != h) {
            throw new IllegalArgumentException("image is " + image.width() + "x" + image.height() + " but the scene is " + w + "x" + h);
        }
        List<Component> comps = detect(image, minArea(w, h));
        Component[] largest = new Component[NAMED];
        for (Component c : comps) if (largest[c.color().ordinal()] == null) largest[c.color().ordinal()] = c;

        // 1. prompt: colour, shape, relation
        int colorHits = 0, shapeHits = 0;
        for (SceneObject o : s.objects()) {
            Component c = largest[o.color().ordinal()];
            if (c == null) continue;
            colorHits++;
            if (c.shape() == o.shape()) shapeHits++;
        }
        Relation rel = s.relation();
        RelationCount rc = rel == null ? RelationCount.NONE : RelationCount.of(largest, s.objects().get(rel.subject()).color(),
                rel.others().stream().map(j -> s.objects().get(j).color()).toList(), rel.kind());
        // 2. edges
        double f1 = Canny.edgeF1(ConditionKind.CANNY.compute(truth, null), Canny.detect(image));
        // 3. segmentation
        int[] pred = new int[w * h];
        for (Component c : comps) {
            if (c.shape() == null) continue;
            int id = c.shape().classId();
            for (int p : c.pixels()) pred[p] = id;
        }
        int[] gt = ConditionKind.labels(s, truth.owner(), false);
        double iou = meanIoU(gt, pred, ShapeKind.values().length);
        // 4. pose
        int[] cm = colorMap(image);
        List<Double> poseIoU = new ArrayList<>(), pck = new ArrayList<>();
        double radius = Math.max(1.5, Math.max(w, h) / 32.0);
        for (int i = 0; i < s.objects().size(); i++) {
            SceneObject o = s.objects().get(i);
            if (o.shape() != ShapeKind.STICK_FIGURE) continue;
            int c = o.color().ordinal();
            boolean[] mine = new boolean[w * h];
            for (int p : truth.masks().get(i)) mine[p] = true;
            int inter = 0, union = 0;
            for (int p = 0; p < w * h; p++) {
                boolean a = mine[p], b = cm[p] == c;
                if (a && b) inter++;
                if (a || b) union++;
            }
            poseIoU.add(union == 0 ? 1.0 : (double) inter / union);
            int reached = 0;
            for (int k = 0; k < BODY_KEYPOINTS; k++) {
                if (near(cm, c, w, h, o.keypoints().get(k), radius)) reached++;
            }
            pck.add((double) reached / BODY_KEYPOINTS);
        }
        return new SceneScore(colorHits, shapeHits, s.objects().size(), rc.hits(), rc.pairs(), rc.found(), f1, iou, poseIoU, pck);
    }

    /** Whether a pixel of colour {@code c} has its centre within {@code r} of point {@code q}. */
    private static boolean near(int[] cm, int c, int w, int h, Point q, double r) {
        int x0 = Math.max(0, (int) Math.floor(q.x() - r)), x1 = Math.min(w - 1, (int) Math.ceil(q.x() + r));
        int y0 = Math.max(0, (int) Math.floor(q.y() - r)), y1 = Math.min(h - 1, (int) Math.ceil(q.y() + r));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double dx = x + 0.5 - q.x(), dy = y + 0.5 - q.y();
                if (cm[y * w + x] == c && dx * dx + dy * dy <= r * r) return true;
            }
        }
        return false;
    }

    /**
     * Scores only what a caption says (colour, shape, relation) on an image made from it, for
     * prompts without a scene, such as text-only generation from the grammar; edge F1 and
     * segmentation IoU are NaN (and skipped by the {@link Accumulator}), pose lists are empty.
     * Phrases are assumed to name different colours, as the world's captions do.
     */
    public static SceneScore scorePrompt(Image image, Captions.Caption caption) {
        List<Component> comps = detect(image, minArea(image.width(), image.height()));
        Component[] largest = new Component[NAMED];
        for (Component c : comps) if (largest[c.color().ordinal()] == null) largest[c.color().ordinal()] = c;
        int colorHits = 0, shapeHits = 0;
        for (Captions.Phrase ph : caption.phrases()) {
            Component c = largest[ph.color().ordinal()];
            if (c == null) continue;
            colorHits++;
            if (c.shape() == ph.shape()) shapeHits++;
        }
        List<Captions.Phrase> ph = caption.phrases();
        RelationCount rc = caption.relation() == null ? RelationCount.NONE : RelationCount.of(largest, ph.get(0).color(),
                ph.subList(1, ph.size()).stream().map(Captions.Phrase::color).toList(), caption.relation());
        return new SceneScore(colorHits, shapeHits, ph.size(), rc.hits(), rc.pairs(), rc.found(), Double.NaN, Double.NaN,
                List.of(), List.of());
    }

    /**
     * One relation judged on an image: per (subject, other) pair, whether both colours were found
     * ({@code found}) and whether the centroids of their largest components are ordered as it says
     * ({@code hits}).
     */
    private record RelationCount(int hits, int pairs, int found) {
        static final RelationCount NONE = new RelationCount(0, 0, 0);

        static RelationCount of(Component[] largest, NamedColor subject, List<NamedColor> others, RelationKind kind) {
            Component a = largest[subject.ordinal()];
            int hits = 0, found = 0;
            for (NamedColor o : others) {
                Component b = largest[o.ordinal()];
                if (a == null || b == null) continue;
                found++;
                if (kind.holds(a.centre().x(), a.centre().y(), b.centre().x(), b.centre().y(), 1e-9)) hits++;
            }
            return new RelationCount(hits, others.size(), found);
        }
    }

    /** Mean IoU over the classes 1..classes present in either map; 1 when neither has any. */
    static double meanIoU(int[] truth, int[] pred, int classes) {
        long[] inter = new long[classes + 1], union = new long[classes + 1];
        for (int p = 0; p < truth.length; p++) {
            int t = truth[p], q = pred[p];
            if (t == q) {
                if (t > 0) {
                    inter[t]++;
                    union[t]++;
                }
            } else {
                if (t > 0) union[t]++;
                if (q > 0) union[q]++;
            }
        }
        double sum = 0;
        int n = 0;
        for (int k = 1; k <= classes; k++) {
            if (union[k] == 0) continue;
            sum += (double) inter[k] / union[k];
            n++;
        }
        return n == 0 ? 1.0 : sum / n;
    }

    /**
     * Scores over many images.
     *
     * @param scenes          images scored
     * @param color           colour accuracy over objects
     * @param shape           shape accuracy over objects
     * @param relation        relation accuracy over relation pairs (NaN when there were none)
     * @param relationFound   relation accuracy over the pairs whose two colours were found: the
     *                        ordering alone, with chance at about 0.5 (NaN when there were none)
     * @param edgeF1          mean edge F1 over images scored against a scene (NaN when none)
     * @param segmentationIoU mean segmentation IoU over images scored against a scene (NaN when none)
     * @param poseIoU         mean figure mask IoU over stick figures (NaN when there were none)
     * @param posePck         mean PCK over stick figures (NaN when there were none)
     * @param objects         objects scored
     * @param relations       relation pairs scored
     * @param relationsFound  relation pairs whose two colours were found
     * @param figures         stick figures scored
     */
    public record Report(int scenes, double color, double shape, double relation, double relationFound, double edgeF1, double segmentationIoU,
                         double poseIoU, double posePck, int objects, int relations, int relationsFound, int figures) {}

    /** Sums scene scores into a {@link Report}. Not thread-safe. */
    public static final class Accumulator {
        private int scenes, maps, objects, colorHits, shapeHits, relations, relationHits, relationsFound, figures;
        private double edge, seg, poseIoU, pck;

        /** Adds one scene's score. */
        public Accumulator add(SceneScore s) {
            scenes++;
            objects += s.objects();
            colorHits += s.colorHits();
            shapeHits += s.shapeHits();
            relations += s.relations();
            relationHits += s.relationHits();
            relationsFound += s.relationsFound();
            if (!Double.isNaN(s.edgeF1())) {
                maps++;
                edge += s.edgeF1();
                seg += s.segmentationIoU();
            }
            for (int i = 0; i < s.poseIoU().size(); i++) {
                figures++;
                poseIoU += s.poseIoU().get(i);
                pck += s.posePck().get(i);
            }
            return this;
        }

        /** The report so far. */
        public Report report() {
            return new Report(scenes, ratio(colorHits, objects), ratio(shapeHits, objects), ratio(relationHits, relations),
                    ratio(relationHits, relationsFound),
                    maps == 0 ? Double.NaN : edge / maps, maps == 0 ? Double.NaN : seg / maps,
                    figures == 0 ? Double.NaN : poseIoU / figures, figures == 0 ? Double.NaN : pck / figures,
                    objects, relations, relationsFound, figures);
        }

        private static double ratio(double a, int b) {
            return b == 0 ? Double.NaN : a / b;
        }
    }

    /** Scores image {@code i} against scene {@code i} for every {@code i}. */
    public static Report evaluate(List<Image> images, List<Scene> scenes) {
        if (images.size() != scenes.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + scenes.size() + " scenes");
        }
        Accumulator acc = new Accumulator();
        for (int i = 0; i < images.size(); i++) acc.add(score(images.get(i), scenes.get(i)));
        return acc.report();
    }
}
