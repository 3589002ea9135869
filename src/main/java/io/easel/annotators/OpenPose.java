package io.easel.annotators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders OpenPose keypoints as the ControlNet v1.1 OpenPose hint ({@code annotator/openpose/util.py}
 * {@code draw_bodypose}, {@code draw_handpose}, {@code draw_facepose}) on a black canvas.
 *
 * <p>Input is OpenPose's JSON: {@code {"canvas_width": W, "canvas_height": H, "people": [
 * {"pose_keypoints_2d": [x, y, c, ...], "hand_left_keypoints_2d": [...],
 * "hand_right_keypoints_2d": [...], "face_keypoints_2d": [...]}]}}. The body is the 18-keypoint
 * COCO layout; 25-keypoint BODY_25 is mapped to it (mid-hip and feet dropped). Keypoints with
 * confidence 0 are absent. Coordinates are pixels of the canvas or, when every coordinate is at
 * most 1, fractions of it.
 *
 * <p>Body: 17 limbs as filled ellipses (half-length by stick width 4) in the 18 OpenPose colours,
 * the limb layer dimmed to 60%, then joints as filled circles of radius 4. Hands: 20 bones as
 * 2-pixel lines coloured around the hue circle, joints as blue circles of radius 4. Face: white
 * circles of radius 3.
 */
public final class OpenPose {
    /** Stick width and joint radius of {@code draw_bodypose}. */
    public static final int STICK_WIDTH = 4, JOINT_RADIUS = 4;

    /** Limbs as 1-based keypoint pairs, {@code limbSeq} of {@code draw_bodypose} (the first 17 are drawn). */
    static final int[][] LIMBS = {{2, 3}, {2, 6}, {3, 4}, {4, 5}, {6, 7}, {7, 8}, {2, 9}, {9, 10},
            {10, 11}, {2, 12}, {12, 13}, {13, 14}, {2, 1}, {1, 15}, {15, 17}, {1, 16}, {16, 18}, {3, 17}, {6, 18}};

    /** RGB colours of limbs and joints, {@code colors} of {@code draw_bodypose}. */
    static final int[][] COLORS = {{255, 0, 0}, {255, 85, 0}, {255, 170, 0}, {255, 255, 0}, {170, 255, 0},
            {85, 255, 0}, {0, 255, 0}, {0, 255, 85}, {0, 255, 170}, {0, 255, 255}, {0, 170, 255}, {0, 85, 255},
            {0, 0, 255}, {85, 0, 255}, {170, 0, 255}, {255, 0, 255}, {255, 0, 170}, {255, 0, 85}};

    static final int[][] HAND_EDGES = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 5}, {5, 6}, {6, 7}, {7, 8}, {0, 9},
            {9, 10}, {10, 11}, {11, 12}, {0, 13}, {13, 14}, {14, 15}, {15, 16}, {0, 17}, {17, 18}, {18, 19}, {19, 20}};

    /** BODY_25 index of each COCO-18 keypoint. */
    static final int[] BODY25_TO_COCO18 = {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenPose() {}

    /** One keypoint; {@code confidence <= 0} means absent. */
    public record Keypoint(double x, double y, double confidence) {
        /** Whether the keypoint was detected. */
        public boolean present() {
            return confidence > 0;
        }
    }

    /**
     * One person. Lists may be empty when the part is not given.
     *
     * @param body      18 COCO keypoints
     * @param leftHand  21 hand keypoints or none
     * @param rightHand 21 hand keypoints or none
     * @param face      face landmarks (70 in OpenPose) or none
     */
    public record Person(List<Keypoint> body, List<Keypoint> leftHand, List<Keypoint> rightHand, List<Keypoint> face) {}

    /**
     * A pose file.
     *
     * @param canvasWidth  canvas width in pixels, 0 when the file gives none
     * @param canvasHeight canvas height in pixels, 0 when the file gives none
     * @param people       the people
     */
    public record Pose(int canvasWidth, int canvasHeight, List<Person> people) {}

    /** How keypoint coordinates are read. */
    public enum Coordinates {
        /** Fractions when every coordinate is at most 1, pixels otherwise. */
        AUTO,
        /** Pixels of the canvas. */
        PIXELS,
        /** Fractions of the canvas (0..1). */
        NORMALIZED
    }

    /**
     * Reads an OpenPose JSON file.
     *
     * @throws IllegalArgumentException naming the file when it is missing or malformed
     */
    public static Pose read(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("pose file not found: " + path, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pose file " + path + ": " + e.getMessage(), e);
        }
        return parse(text, path.toString());
    }

    /**
     * Parses OpenPose JSON; {@code source} names the input in error messages.
     *
     * @throws IllegalArgumentException when the JSON is malformed or a keypoint list has a wrong length
     */
    public static Pose parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("pose file " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.path("people").isArray()) {
            throw new IllegalArgumentException("pose file " + source + " has no \"people\" array");
        }
        List<Person> people = new ArrayList<>();
        int n = 0;
        for (JsonNode p : root.get("people")) {
            String where = source + " people[" + n++ + "]";
            JsonNode body = p.has("pose_keypoints_2d") ? p.get("pose_keypoints_2d") : p.path("pose_keypoints");
            List<Keypoint> kp = keypoints(body, where + ".pose_keypoints_2d");
            if (kp.size() == 25) {
                List<Keypoint> coco = new ArrayList<>();
                for (int i : BODY25_TO_COCO18) coco.add(kp.get(i));
                kp = coco;
            } else if (!kp.isEmpty() && kp.size() != 18) {
                throw new IllegalArgumentException(where + ".pose_keypoints_2d has " + kp.size()
                        + " keypoints; expected 18 (COCO) or 25 (BODY_25)");
            }
            List<Keypoint> lh = keypoints(p.path("hand_left_keypoints_2d"), where + ".hand_left_keypoints_2d");
            List<Keypoint> rh = keypoints(p.path("hand_right_keypoints_2d"), where + ".hand_right_keypoints_2d");
            for (List<Keypoint> hand : List.of(lh, rh)) {
                if (!hand.isEmpty() && hand.size() != 21) {
                    throw new IllegalArgumentException(where + " has a hand with " + hand.size() + " keypoints; expected 21");
                }
            }
            List<Keypoint> face = keypoints(p.path("face_keypoints_2d"), where + ".face_keypoints_2d");
            people.add(new Person(kp, lh, rh, face));
        }
        return new Pose(root.path("canvas_width").asInt(0), root.path("canvas_height").asInt(0), people);
    }

    private static List<Keypoint> keypoints(JsonNode arr, String where) {
        List<Keypoint> out = new ArrayList<>();
        if (arr == null || arr.isMissingNode() || arr.isNull()) return out;
        if (!arr.isArray() || arr.size() % 3 != 0) {
            throw new IllegalArgumentException(where + " must be a flat array of x, y, confidence triples");
        }
        for (int i = 0; i < arr.size(); i += 3) {
            for (int k = 0; k < 3; k++) {
                if (!arr.get(i + k).isNumber()) {
                    throw new IllegalArgumentException(where + "[" + (i + k) + "] is not a number");
                }
            }
            out.add(new Keypoint(arr.get(i).asDouble(), arr.get(i + 1).asDouble(), arr.get(i + 2).asDouble()));
        }
        return out;
    }

    /**
     * Renders a pose.
     *
     * @param pose   the keypoints
     * @param width  output width, or 0 for the canvas width (512 for normalised coordinates without a canvas)
     * @param height output height, or 0 likewise
     * @param coords how coordinates are read
     * @param hands  draw hands when given
     * @param face   draw face landmarks when given
     * @throws IllegalArgumentException when pixel coordinates come without any size
     */
    public static Image render(Pose pose, int width, int height, Coordinates coords, boolean hands, boolean face) {
        boolean normalized = switch (coords) {
            case NORMALIZED -> true;
            case PIXELS -> false;
            case AUTO -> allWithinUnit(pose);
        };
        int cw = pose.canvasWidth(), chh = pose.canvasHeight();
        int w = width > 0 ? width : cw > 0 ? cw : normalized ? 512 : 0;
        int h = height > 0 ? height : chh > 0 ? chh : normalized ? 512 : 0;
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("pose has pixel coordinates but no canvas_width/canvas_height; give width and height");
        }
        // Pixel coordinates map from the canvas (or, without one, the output) to the output size.
        double sx = normalized ? w : cw > 0 && cw != w ? (double) w / cw : 1.0;
        double sy = normalized ? h : chh > 0 && chh != h ? (double) h / chh : 1.0;

        Canvas canvas = new Canvas(w, h);
        List<Person> people = pose.people();
        // 1. limbs, limb-major over people as draw_bodypose loops
        for (int i = 0; i < 17; i++) {
            for (Person p : people) {
                if (p.body().size() != 18) continue;
                Keypoint a = p.body().get(LIMBS[i][0] - 1), b = p.body().get(LIMBS[i][1] - 1);
                if (!a.present() || !b.present()) continue;
                double y0 = a.x() * sx, y1 = b.x() * sx; // draw_bodypose's Y is the image x
                double x0 = a.y() * sy, x1 = b.y() * sy;
                double mX = (x0 + x1) / 2, mY = (y0 + y1) / 2;
                double length = Math.sqrt((x0 - x1) * (x0 - x1) + (y0 - y1) * (y0 - y1));
                int angle = (int) Math.toDegrees(Math.atan2(x0 - x1, y0 - y1));
                int[][] poly = Canvas.ellipse2Poly((int) mY, (int) mX, (int) (length / 2), STICK_WIDTH, angle, 0, 360, 1);
                canvas.fillConvexPoly(poly, COLORS[i]);
            }
        }
        canvas.scale(0.6);
        // 2. joints
        for (int i = 0; i < 18; i++) {
            for (Person p : people) {
                if (p.body().size() != 18) continue;
                Keypoint k = p.body().get(i);
                if (!k.present()) continue;
                canvas.circle((int) (k.x() * sx), (int) (k.y() * sy), JOINT_RADIUS, COLORS[i], true);
            }
        }
        // 3. hands, 4. face
        if (hands) {
            for (Person p : people) {
                for (List<Keypoint> hand : List.of(p.leftHand(), p.rightHand())) {
                    if (hand.size() == 21) drawHand(canvas, hand, sx, sy);
                }
            }
        }
        if (face) {
            int[] white = {255, 255, 255};
            for (Person p : people) {
                for (Keypoint k : p.face()) {
                    int x = (int) (k.x() * sx), y = (int) (k.y() * sy);
                    if (k.present() && x > 0.01 && y > 0.01) canvas.circle(x, y, 3, white, true);
                }
            }
        }
        return canvas.toImage();
    }

    private static void drawHand(Canvas canvas, List<Keypoint> hand, double sx, double sy) {
        for (int ie = 0; ie < HAND_EDGES.length; ie++) {
            Keypoint a = hand.get(HAND_EDGES[ie][0]), b = hand.get(HAND_EDGES[ie][1]);
            if (!a.present() || !b.present()) continue;
            int x1 = (int) (a.x() * sx), y1 = (int) (a.y() * sy), x2 = (int) (b.x() * sx), y2 = (int) (b.y() * sy);
            if (x1 > 0.01 && y1 > 0.01 && x2 > 0.01 && y2 > 0.01) {
                canvas.line(x1, y1, x2, y2, hsvColor(ie / (double) HAND_EDGES.length), 2);
            }
        }
        int[] blue = {0, 0, 255};
        for (Keypoint k : hand) {
            int x = (int) (k.x() * sx), y = (int) (k.y() * sy);
            if (k.present() && x > 0.01 && y > 0.01) canvas.circle(x, y, 4, blue, true);
        }
    }

    /** matplotlib's {@code hsv_to_rgb([h, 1, 1]) * 255}, rounded as OpenCV converts a colour. */
    static int[] hsvColor(double hue) {
        double h6 = hue * 6.0;
        int i = (int) h6;
        double f = h6 - i;
        double p = 0, q = 1.0 - f, t = 1.0 - (1.0 - f), v = 1.0;
        double[] rgb = switch (i % 6) {
            case 0 -> new double[]{v, t, p};
            case 1 -> new double[]{q, v, p};
            case 2 -> new double[]{p, v, t};
            case 3 -> new double[]{p, q, v};
            case 4 -> new double[]{t, p, v};
            default -> new double[]{v, p, q};
        };
        return new int[]{(int) Math.rint(rgb[0] * 255), (int) Math.rint(rgb[1] * 255), (int) Math.rint(rgb[2] * 255)};
    }

    private static boolean allWithinUnit(Pose pose) {
        boolean any = false;
        for (Person p : pose.people()) {
            for (List<Keypoint> part : List.of(p.body(), p.leftHand(), p.rightHand(), p.face())) {
                for (Keypoint k : part) {
                    if (!k.present()) continue;
                    any = true;
                    if (k.x() > 1.0 || k.y() > 1.0) return false;
                }
            }
        }
        return any;
    }
}
