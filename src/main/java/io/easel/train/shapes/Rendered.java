package io.easel.train.shapes;

import io.easel.annotators.Image;

import java.util.List;

/**
 * A rendered scene. Arrays are shared, not copied.
 *
 * @param scene      the scene
 * @param image      the RGB image
 * @param background the background alone (objects removed)
 * @param owner      per pixel {@code y * width + x}: the index of the object covering it, or -1
 * @param masks      per object, its pixel indices in ascending order
 */
public record Rendered(Scene scene, Image image, Image background, int[] owner, List<int[]> masks) {}
