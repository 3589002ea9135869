package io.easel.train.shapes;

import io.easel.annotators.Segmentation;

/**
 * The object kinds of the shapes world, with their segmentation class ids (background is 0) and
 * the ADE20K class whose palette colour paints them in the segmentation condition. The ADE20K
 * classes are chosen for well-separated colours; only the stick figure's is meaningful (12,
 * "person").
 */
public enum ShapeKind {
    CIRCLE("circle", 1, 20),
    SQUARE("square", 2, 41),
    TRIANGLE("triangle", 3, 11),
    STAR("star", 4, 18),
    RING("ring", 5, 7),
    /** A figure whose joints are the 18 OpenPose (COCO) keypoints. */
    STICK_FIGURE("stick figure", 6, 12);

    private final String word;
    private final int classId, adeClass;

    ShapeKind(String word, int classId, int adeClass) {
        this.word = word;
        this.classId = classId;
        this.adeClass = adeClass;
    }

    /** The caption words ("stick figure"). */
    public String word() {
        return word;
    }

    /** Class id in the raw segmentation labels (1..6; background is 0). */
    public int classId() {
        return classId;
    }

    /** ADE20K class (0-based) whose palette colour paints this kind in the segmentation condition. */
    public int adeClass() {
        return adeClass;
    }

    /** The ADE20K palette colour of this kind. */
    public Rgb segColor() {
        int[] c = Segmentation.color(adeClass);
        return new Rgb(c[0], c[1], c[2]);
    }

    /** The kind with a class id, or null for 0 (background). */
    public static ShapeKind ofClassId(int id) {
        for (ShapeKind k : values()) if (k.classId == id) return k;
        if (id == 0) return null;
        throw new IllegalArgumentException("shape class id must be 0..6, got " + id);
    }

    /** The kind named by caption words ("stick figure"). */
    public static ShapeKind fromWord(String word) {
        for (ShapeKind k : values()) if (k.word.equals(word)) return k;
        throw new IllegalArgumentException("unknown shape '" + word + "'; expected one of circle, square, triangle, star, ring, stick figure");
    }
}
