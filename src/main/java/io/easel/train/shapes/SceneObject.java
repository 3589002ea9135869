package io.easel.train.shapes;

import java.util.List;

/**
 * One object of a scene: what the caption names (shape, colour, size), the geometry it is drawn
 * from, and the exact facts of its rendered pixels.
 *
 * <p>Geometry (see {@link Raster}): {@code anchor} is the centre of a circle, square, ring, the
 * centroid of a triangle's or star's vertices, and the top of a stick figure's head; {@code scale}
 * is the base radius of a shape or the height of a figure. A figure's {@code keypoints} are the 18
 * OpenPose body keypoints in COCO order (nose, neck, right shoulder, elbow, wrist, left shoulder,
 * elbow, wrist, right hip, knee, ankle, left hip, knee, ankle, right eye, left eye, right ear, left
 * ear), in {@link Point} coordinates; the figure faces the viewer, so its right side is on the
 * image's left.
 *
 * @param shape     the kind
 * @param color     its colour
 * @param size      small or large
 * @param anchor    reference point of the geometry
 * @param scale     base radius (shapes) or height (stick figure), pixels
 * @param keypoints 18 keypoints for a stick figure, empty otherwise
 * @param bbox      bounding box of its pixels
 * @param centre    centroid of its pixels (mean of pixel centres)
 * @param area      number of its pixels
 */
public record SceneObject(ShapeKind shape, NamedColor color, SizeClass size, Point anchor, double scale,
                          List<Point> keypoints, Box bbox, Point centre, int area) {
    /** Number of OpenPose body keypoints (COCO layout). */
    public static final int KEYPOINTS = 18;

    /** Copies the keypoints and checks their number. */
    public SceneObject {
        keypoints = List.copyOf(keypoints);
        int need = shape == ShapeKind.STICK_FIGURE ? KEYPOINTS : 0;
        if (keypoints.size() != need) {
            throw new IllegalArgumentException(shape.word() + " needs " + need + " keypoints, got " + keypoints.size());
        }
    }
}
