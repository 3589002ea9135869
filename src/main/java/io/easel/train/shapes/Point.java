package io.easel.train.shapes;

/**
 * A point in continuous image coordinates: pixel {@code (i, j)} covers {@code [i, i + 1) x [j, j + 1)},
 * so its centre is {@code (i + 0.5, j + 0.5)}; y grows downwards.
 *
 * @param x column coordinate
 * @param y row coordinate
 */
public record Point(double x, double y) {}
