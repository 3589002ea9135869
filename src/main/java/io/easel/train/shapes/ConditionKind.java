package io.easel.train.shapes;

import io.easel.annotators.Canny;
import io.easel.annotators.Image;
import io.easel.annotators.Interpolation;
import io.easel.annotators.LabelMap;
import io.easel.annotators.OpenPose;
import io.easel.annotators.Resize;
import io.easel.annotators.Segmentation;

import java.util.ArrayList;
import java.util.List;

/**
 * The condition maps written for every scene, each exact for the rendered image. The name is the
 * folder under {@code conditions/} and the suffix of {@code prompt_<name>.json}.
 */
public enum ConditionKind {
    /** Canny edges of the image ({@link Canny#detect}, thresholds 100 / 200, L1), 1 channel. */
    CANNY("canny"),
    /** Segmentation in ADE20K colours ({@link ShapeKind#segColor()}), background black, RGB. */
    SEG("seg"),
    /** The raw class map: 0 background, {@link ShapeKind#classId()} per object, 8-bit gray. */
    SEG_LABELS("seg_labels"),
    /**
     * Depth by painter's order, 1 channel: background 0 (farthest); of n objects, the k-th drawn
     * (0-based) is {@code 255 - 64 (n - 1 - k)}, so the last drawn is the nearest and brightest.
     */
    DEPTH("depth"),
    /** Object outlines, white on black, 1 channel: each object's border pixels dilated by {@code max(1, size / 64)}. */
    SCRIBBLE("scribble"),
    /**
     * Stick figures' skeletons as the OpenPose hint ({@link OpenPose#render}), black without
     * figures, RGB. Drawn on a canvas {@code k} times the image side, {@code k = ceil(256 / side)},
     * and shrunk by pixel-area averaging, so limbs and joints keep the proportions they have on a
     * 256-pixel hint instead of swallowing a 64-pixel figure (at 64 pixels: limbs about 2 px wide,
     * joints 2 px across).
     */
    POSE("pose"),
    /** The foreground's alpha: objects 255, background 0, 1 channel. */
    ALPHA("alpha"),
    /** The background alone, objects removed, RGB. */
    BACKGROUND("background"),
    /** The style twin: same background and object colours, other objects, RGB. */
    STYLE("style");

    /** Smallest canvas side the pose hint is drawn on before shrinking to the image size. */
    static final int POSE_CANVAS = 256;

    private final String dir;

    ConditionKind(String dir) {
        this.dir = dir;
    }

    /** Folder name under {@code conditions/} ("seg_labels"). */
    public String dirName() {
        return dir;
    }

    /** Whether this is a ControlNet hint (every kind but the raw labels, which get no {@code prompt_*.json}). */
    public boolean isHint() {
        return this != SEG_LABELS;
    }

    /** The kind with a folder name. */
    public static ConditionKind fromName(String name) {
        for (ConditionKind k : values()) if (k.dir.equals(name)) return k;
        List<String> names = new ArrayList<>();
        for (ConditionKind k : values()) names.add(k.dir);
        throw new IllegalArgumentException("unknown condition '" + name + "'; expected one of " + String.join(", ", names));
    }

    /**
     * Computes this condition.
     *
     * @param r    the rendered scene
     * @param twin its rendered style twin (used by {@link #STYLE} only; may be null otherwise)
     */
    public Image compute(Rendered r, Rendered twin) {
        Scene s = r.scene();
        int w = s.width(), h = s.height(), n = w * h;
        int[] owner = r.owner();
        return switch (this) {
            case CANNY -> Canny.detect(r.image(), Canny.DEFAULT_LOW, Canny.DEFAULT_HIGH, false);
            case SEG -> Segmentation.colorize(new LabelMap(w, h, labels(s, owner, true)), true);
            case SEG_LABELS -> {
                int[] l = labels(s, owner, false);
                float[] d = new float[n];
                for (int p = 0; p < n; p++) d[p] = l[p];
                yield new Image(w, h, 1, d);
            }
            case DEPTH -> {
                int k = s.objects().size();
                float[] d = new float[n];
                for (int p = 0; p < n; p++) if (owner[p] >= 0) d[p] = 255 - 64 * (k - 1 - owner[p]);
                yield new Image(w, h, 1, d);
            }
            case SCRIBBLE -> scribble(owner, w, h, Math.max(1, Math.max(w, h) / 64));
            case POSE -> pose(s);
            case ALPHA -> {
                float[] d = new float[n];
                for (int p = 0; p < n; p++) if (owner[p] >= 0) d[p] = 255;
                yield new Image(w, h, 1, d);
            }
            case BACKGROUND -> r.background();
            case STYLE -> {
                if (twin == null) throw new IllegalArgumentException("the style condition needs the rendered style twin");
                yield twin.image();
            }
        };
    }

    /** Per pixel: the shape's class id, or with {@code ade} its ADE20K class + 1 (0 stays background). */
    static int[] labels(Scene s, int[] owner, boolean ade) {
        int[] l = new int[owner.length];
        for (int p = 0; p < owner.length; p++) {
            if (owner[p] < 0) continue;
            ShapeKind k = s.objects().get(owner[p]).shape();
            l[p] = ade ? k.adeClass() + 1 : k.classId();
        }
        return l;
    }

    /** Border pixels of each object (a 4-neighbour belongs to another owner or lies outside), dilated by a square of radius t. */
    static Image scribble(int[] owner, int w, int h, int t) {
        boolean[] border = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x, o = owner[p];
                if (o < 0) continue;
                border[p] = x == 0 || y == 0 || x == w - 1 || y == h - 1
                        || owner[p - 1] != o || owner[p + 1] != o || owner[p - w] != o || owner[p + w] != o;
            }
        }
        // separable square dilation
        boolean[] rows = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean any = false;
                for (int dx = -t; dx <= t && !any; dx++) {
                    int xx = x + dx;
                    any = xx >= 0 && xx < w && border[y * w + xx];
                }
                rows[y * w + x] = any;
            }
        }
        float[] d = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean any = false;
                for (int dy = -t; dy <= t && !any; dy++) {
                    int yy = y + dy;
                    any = yy >= 0 && yy < h && rows[yy * w + x];
                }
                if (any) d[y * w + x] = 255;
            }
        }
        return new Image(w, h, 1, d);
    }

    /** The OpenPose hint of the scene's stick figures, keypoints in pixels with confidence 1. */
    static Image pose(Scene s) {
        if (s.objects().stream().noneMatch(o -> o.shape() == ShapeKind.STICK_FIGURE)) {
            return Image.blank(s.width(), s.height(), 3);
        }
        List<OpenPose.Person> people = new ArrayList<>();
        for (SceneObject o : s.objects()) {
            if (o.shape() != ShapeKind.STICK_FIGURE) continue;
            List<OpenPose.Keypoint> body = new ArrayList<>();
            for (Point p : o.keypoints()) body.add(new OpenPose.Keypoint(p.x(), p.y(), 1.0));
            people.add(new OpenPose.Person(body, List.of(), List.of(), List.of()));
        }
        int k = (POSE_CANVAS + Math.max(s.width(), s.height()) - 1) / Math.max(s.width(), s.height());
        Image big = OpenPose.render(new OpenPose.Pose(s.width(), s.height(), people), s.width() * k, s.height() * k,
                OpenPose.Coordinates.PIXELS, false, false);
        return k == 1 ? big : Resize.resize(big, s.width(), s.height(), Interpolation.AREA).quantize();
    }
}
