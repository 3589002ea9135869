package io.easel.train.shapes;

import io.easel.annotators.Image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The shapes world: a deterministic sampler of scenes of 1 to 3 objects (circle, square, triangle,
 * star, ring, stick figure) in 8 named colours on plain, gradient or striped backgrounds, with
 * captions whose relation is true of the rendered positions, and an exact renderer.
 *
 * <p>Rules of a scene: objects lie wholly inside the canvas (one pixel from the border), have
 * different colours, and do not touch: their bounding boxes are at least {@link #margin} pixels
 * apart along x or y. Gradients run between two palette colours at least 40 apart; stripes are
 * 5 to 10% of the side wide and their two colours differ by at least 56 in some channel, so all
 * stripe borders are Canny edges at 100 / 200 while gradients give none. A relation "A rel B" holds when the bounding boxes are at least the margin
 * apart along the relation's axis and the centroids are at least as far apart along that axis as
 * across it. Stick figures have no enclosed holes. Sizes: a shape's base radius is 0.11 (small)
 * or 0.19 (large) of the canvas side, times a factor in [0.92, 1.08]; a figure is 0.42 or 0.64 of
 * the side tall, times [0.95, 1.05].
 *
 * <p>Determinism: every random choice comes from one {@link SplittableRandom} seeded by the
 * scene's seed ({@link #sceneSeed}), geometry uses {@link StrictMath}, rasterisation is
 * {@link Raster}'s; the same seed and options give the same scene and the same pixels on any JVM.
 */
public final class ShapesWorld {
    private static final double SMALL_RADIUS = 0.11, LARGE_RADIUS = 0.19, SMALL_FIGURE = 0.42, LARGE_FIGURE = 0.64;

    /** Smallest difference, in the channel that differs most, between the two colours of stripes. */
    static final int STRIPE_CONTRAST = 56;

    private ShapesWorld() {}

    private static int maxChannelDiff(Rgb a, Rgb b) {
        return Math.max(Math.abs(a.r() - b.r()), Math.max(Math.abs(a.g() - b.g()), Math.abs(a.b() - b.b())));
    }

    /**
     * What scenes look like.
     *
     * @param size                 canvas side in pixels (square images), 48..1024; 64 by default, 128 also
     *                             sensible (below 48 the shapes blur into each other for the classifier)
     * @param minObjects           fewest objects in a scene, 1..3
     * @param maxObjects           most objects in a scene, minObjects..3
     * @param shapes               the kinds to draw from, uniformly (kept in enum order)
     * @param sizeWordRate         probability that the caption says an object's size
     * @param backgroundPhraseRate probability that the caption names the background
     */
    public record Options(int size, int minObjects, int maxObjects, List<ShapeKind> shapes, double sizeWordRate,
                          double backgroundPhraseRate) {
        /** Validates, and keeps the kinds distinct and in enum order. */
        public Options {
            if (size < 48 || size > 1024) throw new IllegalArgumentException("shapes size must be 48..1024 pixels, got " + size);
            if (minObjects < 1 || maxObjects > 3 || minObjects > maxObjects) {
                throw new IllegalArgumentException("objects per scene must satisfy 1 <= min <= max <= 3, got " + minObjects + ".." + maxObjects);
            }
            shapes = shapes == null ? List.of() : shapes.stream().distinct().sorted().toList();
            if (shapes.isEmpty()) throw new IllegalArgumentException("shapes: give at least one shape kind");
            if (!(sizeWordRate >= 0 && sizeWordRate <= 1) || !(backgroundPhraseRate >= 0 && backgroundPhraseRate <= 1)) {
                throw new IllegalArgumentException("caption rates must be in [0, 1], got " + sizeWordRate + ", " + backgroundPhraseRate);
            }
        }

        /** 64x64, 1 to 3 objects of every kind, size and background words each half of the time. */
        public static Options defaults() {
            return new Options(64, 1, 3, List.of(ShapeKind.values()), 0.5, 0.5);
        }

        /** With another canvas side. */
        public Options withSize(int s) {
            return new Options(s, minObjects, maxObjects, shapes, sizeWordRate, backgroundPhraseRate);
        }

        /** With another range of object counts. */
        public Options withObjects(int min, int max) {
            return new Options(size, min, max, shapes, sizeWordRate, backgroundPhraseRate);
        }

        /** With other shape kinds. */
        public Options withShapes(Collection<ShapeKind> kinds) {
            return new Options(size, minObjects, maxObjects, List.copyOf(kinds), sizeWordRate, backgroundPhraseRate);
        }

        /** With other caption rates. */
        public Options withCaptionRates(double sizeWords, double backgroundPhrase) {
            return new Options(size, minObjects, maxObjects, shapes, sizeWords, backgroundPhrase);
        }
    }

    /**
     * A scene and its style twin: the same background and object colours, other objects.
     *
     * @param scene     the scene
     * @param styleTwin its twin
     */
    public record Sample(Scene scene, Scene styleTwin) {}

    /**
     * The seed of scene {@code index} of stream {@code stream} (0: training scenes, 1: held-out
     * scenes) under a dataset seed: SplitMix64 mixing, so streams and neighbouring seeds are
     * unrelated.
     */
    public static long sceneSeed(long seed, int stream, long index) {
        return mix64(mix64(seed + 0x9E3779B97F4A7C15L * (stream + 1L)) ^ mix64(index * 0xD1B54A32D192ED03L + 1));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The gap in pixels required between objects and along a relation: {@code max(2, size / 32)}. */
    public static int margin(int size) {
        return Math.max(2, size / 32);
    }

    /** Samples a scene and its style twin from a scene seed. */
    public static Sample sample(long sceneSeed, Options o) {
        SplittableRandom rng = new SplittableRandom(sceneSeed);
        Background bg = sampleBackground(rng, o.size());
        Scene scene = null;
        for (int attempt = 0; attempt < 1000 && scene == null; attempt++) {
            int n = o.minObjects() + rng.nextInt(o.maxObjects() - o.minObjects() + 1);
            List<NamedColor> colors = pickColors(rng, n);
            ShapeKind[] shapes = new ShapeKind[n];
            for (int i = 0; i < n; i++) shapes[i] = o.shapes().get(rng.nextInt(o.shapes().size()));
            scene = place(rng, o, bg, shapes, colors);
        }
        if (scene == null) throw new IllegalStateException("no scene fits a " + o.size() + "-pixel canvas; use a larger size");
        Scene twin = null;
        List<NamedColor> colors = scene.objects().stream().map(SceneObject::color).toList();
        for (int attempt = 0; attempt < 1000 && twin == null; attempt++) {
            ShapeKind[] shapes = new ShapeKind[colors.size()];
            for (int i = 0; i < shapes.length; i++) {
                ShapeKind old = scene.objects().get(i).shape();
                List<ShapeKind> other = o.shapes().size() > 1
                        ? o.shapes().stream().filter(k -> k != old).toList() : o.shapes();
                shapes[i] = other.get(rng.nextInt(other.size()));
            }
            twin = place(rng, o, bg, shapes, colors);
        }
        if (twin == null) throw new IllegalStateException("no style twin fits a " + o.size() + "-pixel canvas; use a larger size");
        return new Sample(scene, twin);
    }

    private static List<NamedColor> pickColors(SplittableRandom rng, int n) {
        List<NamedColor> all = new ArrayList<>(List.of(NamedColor.values()));
        List<NamedColor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(all.remove(rng.nextInt(all.size())));
        return out;
    }

    private static Background sampleBackground(SplittableRandom rng, int size) {
        List<Rgb> pal = Background.PALETTE;
        Background.Kind kind = Background.Kind.values()[rng.nextInt(3)];
        Rgb a = pal.get(rng.nextInt(pal.size()));
        if (kind == Background.Kind.PLAIN) return Background.plain(a);
        Rgb b;
        if (kind == Background.Kind.GRADIENT) {
            do {
                b = pal.get(rng.nextInt(pal.size()));
            } while (a.distance2(b) < 40 * 40);
            return Background.gradient(a, b);
        }
        // stripes differ by at least STRIPE_CONTRAST in some channel, so that every stripe border
        // is a strong Canny edge (Sobel magnitude 4 * 56 > 200) rather than some of them
        for (int t = 0; ; t++) {
            b = pal.get(rng.nextInt(pal.size()));
            if (maxChannelDiff(a, b) >= STRIPE_CONTRAST) break;
            if (t > 100) a = pal.get(rng.nextInt(pal.size()));
        }
        Background.Stripes dir = Background.Stripes.values()[rng.nextInt(2)];
        int lo = Math.max(2, size / 20), hi = Math.max(lo, size / 10);
        int width = lo + rng.nextInt(hi - lo + 1);
        return Background.striped(a, b, dir, width, rng.nextInt(2 * width));
    }

    /** Places objects of the given kinds and colours; null when no placement was found. */
    private static Scene place(SplittableRandom rng, Options o, Background bg, ShapeKind[] shapes, List<NamedColor> colors) {
        int n = shapes.length, s = o.size(), m = margin(s);
        for (int attempt = 0; attempt < 30; attempt++) {
            List<SceneObject> objs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SizeClass size = SizeClass.values()[rng.nextInt(2)];
                SceneObject obj = null;
                for (int t = 0; t < 40 && obj == null; t++) {
                    SceneObject cand = sampleObject(rng, shapes[i], colors.get(i), size, s, objs, m);
                    if (cand == null) continue;
                    boolean apart = true;
                    for (SceneObject p : objs) {
                        if (cand.bbox().gapX(p.bbox()) < m && cand.bbox().gapY(p.bbox()) < m) { apart = false; break; }
                    }
                    if (apart) obj = cand;
                }
                if (obj == null) break;
                objs.add(obj);
            }
            if (objs.size() < n) continue;
            Relation rel = null;
            if (n > 1) {
                List<Relation> valid = validRelations(objs, m);
                if (valid.isEmpty()) continue;
                rel = valid.get(rng.nextInt(valid.size()));
            }
            boolean[] sizeWords = new boolean[n];
            for (int i = 0; i < n; i++) sizeWords[i] = rng.nextDouble() < o.sizeWordRate();
            Background.Kind bgWord = rng.nextDouble() < o.backgroundPhraseRate() ? bg.kind() : null;
            String caption = Captions.of(objs, rel, sizeWords, bgWord).text();
            return new Scene(s, s, bg, objs, rel, caption);
        }
        return null;
    }

    /** Every (subject, relation) that holds against all other objects, in a fixed order. */
    static List<Relation> validRelations(List<SceneObject> objs, int margin) {
        List<Relation> out = new ArrayList<>();
        for (int sub = 0; sub < objs.size(); sub++) {
            for (RelationKind r : RelationKind.values()) {
                List<Integer> others = new ArrayList<>();
                boolean ok = true;
                for (int j = 0; j < objs.size() && ok; j++) {
                    if (j == sub) continue;
                    others.add(j);
                    ok = holds(objs.get(sub), r, objs.get(j), margin);
                }
                if (ok) out.add(new Relation(sub, r, others));
            }
        }
        return out;
    }

    /** The relation rule of the world (see the class comment). */
    static boolean holds(SceneObject a, RelationKind r, SceneObject b, int margin) {
        Box p = a.bbox(), q = b.bbox();
        int gap = switch (r) {
            case LEFT_OF -> q.x0() - p.x1();
            case RIGHT_OF -> p.x0() - q.x1();
            case ABOVE -> q.y0() - p.y1();
            case BELOW -> p.y0() - q.y1();
        };
        double dx = Math.abs(a.centre().x() - b.centre().x()), dy = Math.abs(a.centre().y() - b.centre().y());
        return gap >= margin && (r.horizontal() ? dx >= dy : dy >= dx);
    }

    /** One object at a random position inside the canvas, or null when it cannot be placed. */
    private static SceneObject sampleObject(SplittableRandom rng, ShapeKind shape, NamedColor color, SizeClass size, int s,
                                            List<SceneObject> placed, int m) {
        double scale;
        List<Point> local = List.of();
        if (shape == ShapeKind.STICK_FIGURE) {
            scale = (size == SizeClass.SMALL ? SMALL_FIGURE : LARGE_FIGURE) * s * uniform(rng, 0.95, 1.05);
            local = figurePose(rng, scale);
        } else {
            scale = (size == SizeClass.SMALL ? SMALL_RADIUS : LARGE_RADIUS) * s * uniform(rng, 0.92, 1.08);
        }
        double[] e = Raster.extent(shape, new Point(0, 0), scale, local);
        double loX = 1 - e[0], hiX = s - 1 - e[2], loY = 1 - e[1], hiY = s - 1 - e[3];
        if (hiX < loX || hiY < loY) return null;
        double ax = uniform(rng, loX, hiX), ay = uniform(rng, loY, hiY);
        List<Point> kp = new ArrayList<>();
        for (Point p : local) kp.add(new Point(p.x() + ax, p.y() + ay));
        // cheap rejection before rasterising: pixel boxes lie within the analytic extent, rounded out
        Box outer = new Box((int) Math.floor(ax + e[0]), (int) Math.floor(ay + e[1]),
                (int) Math.ceil(ax + e[2]), (int) Math.ceil(ay + e[3]));
        for (SceneObject p : placed) {
            if (outer.gapX(p.bbox()) < m - 1 && outer.gapY(p.bbox()) < m - 1) return null;
        }
        Point anchor = new Point(ax, ay);
        int[] mask = Raster.mask(shape, anchor, scale, kp, s, s);
        if (mask.length == 0) return null;
        if (shape == ShapeKind.STICK_FIGURE && ShapeDescriptors.of(mask, s, s).holes() > 0) return null;
        return withPixels(shape, color, size, anchor, scale, kp, mask, s);
    }

    /** The object with its bbox, centroid and area taken from its pixels. */
    static SceneObject withPixels(ShapeKind shape, NamedColor color, SizeClass size, Point anchor, double scale,
                                  List<Point> kp, int[] mask, int width) {
        ShapeDescriptors.Bounds b = ShapeDescriptors.Bounds.of(mask, width);
        Point centre = new Point((double) b.sumX() / mask.length + 0.5, (double) b.sumY() / mask.length + 0.5);
        return new SceneObject(shape, color, size, anchor, scale, kp, new Box(b.x0(), b.y0(), b.x1() + 1, b.y1() + 1), centre, mask.length);
    }

    /**
     * A standing figure facing the viewer, head top at the origin, with random limb angles: upper
     * arms 15..150 degrees out from hanging down, forearms bent -50..70 degrees from them (kept
     * 10..175 degrees out), thighs 3..35 degrees out, shins -20..25 degrees from them (kept 0..50).
     */
    private static List<Point> figurePose(SplittableRandom rng, double h) {
        Point[] k = new Point[SceneObject.KEYPOINTS];
        k[0] = p(0, 0.12, h);         // nose
        k[1] = p(0, 0.24, h);         // neck
        k[2] = p(-0.12, 0.26, h);     // right shoulder (image left)
        k[5] = p(0.12, 0.26, h);      // left shoulder
        k[8] = p(-0.07, 0.56, h);     // right hip
        k[11] = p(0.07, 0.56, h);     // left hip
        k[14] = p(-0.035, 0.085, h);  // right eye
        k[15] = p(0.035, 0.085, h);   // left eye
        k[16] = p(-0.08, 0.1, h);     // right ear
        k[17] = p(0.08, 0.1, h);      // left ear
        for (int side = 0; side < 2; side++) {
            double dir = side == 0 ? -1 : 1;
            int sh = side == 0 ? 2 : 5, hip = side == 0 ? 8 : 11;
            double a1 = uniform(rng, 15, 150);
            double a2 = clamp(a1 + uniform(rng, -50, 70), 10, 175);
            k[sh + 1] = limb(k[sh], 0.17 * h, a1, dir);
            k[sh + 2] = limb(k[sh + 1], 0.15 * h, a2, dir);
            double b1 = uniform(rng, 3, 35);
            double b2 = clamp(b1 + uniform(rng, -20, 25), 0, 50);
            k[hip + 1] = limb(k[hip], 0.21 * h, b1, dir);
            k[hip + 2] = limb(k[hip + 1], 0.21 * h, b2, dir);
        }
        return Arrays.asList(k);
    }

    private static Point p(double x, double y, double h) {
        return new Point(x * h, y * h);
    }

    /** The end of a limb of length {@code len} from {@code from}, {@code deg} degrees outwards from hanging down. */
    private static Point limb(Point from, double len, double deg, double dir) {
        double a = StrictMath.toRadians(deg);
        return new Point(from.x() + dir * len * StrictMath.sin(a), from.y() + len * StrictMath.cos(a));
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private static double clamp(double v, double lo, double hi) {
        return v < lo ? lo : Math.min(v, hi);
    }

    /** Renders a scene exactly: background, then each object's pixels in its colour, in order. */
    public static Rendered render(Scene scene) {
        int w = scene.width(), h = scene.height();
        float[] bg = new float[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                Rgb c = scene.background().at(x, y, w, h);
                int o = (y * w + x) * 3;
                bg[o] = c.r();
                bg[o + 1] = c.g();
                bg[o + 2] = c.b();
            }
        }
        float[] im = bg.clone();
        int[] owner = new int[w * h];
        Arrays.fill(owner, -1);
        List<int[]> masks = new ArrayList<>();
        for (int i = 0; i < scene.objects().size(); i++) {
            SceneObject ob = scene.objects().get(i);
            int[] mask = Raster.mask(ob.shape(), ob.anchor(), ob.scale(), ob.keypoints(), w, h);
            masks.add(mask);
            Rgb c = ob.color().rgb();
            for (int p : mask) {
                owner[p] = i;
                im[3 * p] = c.r();
                im[3 * p + 1] = c.g();
                im[3 * p + 2] = c.b();
            }
        }
        return new Rendered(scene, new Image(w, h, 3, im), new Image(w, h, 3, bg), owner, masks);
    }
}
