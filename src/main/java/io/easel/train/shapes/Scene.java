package io.easel.train.shapes;

import java.util.List;

/**
 * A shapes-world scene and its exact truth. Objects are listed in drawing (painter's) order; they
 * never overlap, and each has a different colour.
 *
 * @param width      image width in pixels
 * @param height     image height in pixels
 * @param background the background
 * @param objects    1 to 3 objects, in drawing order
 * @param relation   the caption's relation, null with one object
 * @param caption    the caption (see {@link Captions} for the grammar)
 */
public record Scene(int width, int height, Background background, List<SceneObject> objects, Relation relation,
                    String caption) {
    /** Copies the object list. */
    public Scene {
        objects = List.copyOf(objects);
        if (objects.isEmpty()) throw new IllegalArgumentException("a scene needs at least one object");
        if (relation == null && objects.size() > 1) {
            throw new IllegalArgumentException("a scene of " + objects.size() + " objects needs a relation");
        }
    }
}
