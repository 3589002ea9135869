package io.easel.train.shapes;

import java.util.List;

/**
 * The caption's relation: object {@code subject} stands in {@code kind} to every object in
 * {@code others} (indices into the scene's objects). It is true of the rendered scene by a margin
 * (see {@link ShapesWorld}).
 *
 * @param subject index of the first-named object
 * @param kind    the relation
 * @param others  indices of the other objects, in caption order
 */
public record Relation(int subject, RelationKind kind, List<Integer> others) {
    /** Copies the list. */
    public Relation {
        others = List.copyOf(others);
        if (others.isEmpty()) throw new IllegalArgumentException("a relation needs at least one other object");
    }
}
