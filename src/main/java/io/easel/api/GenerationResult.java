package io.easel.api;

import io.easel.annotators.Image;

import java.util.List;

/**
 * The images of one generation and the parameters that re-make them.
 *
 * @param images     8-bit RGB images, batch order
 * @param parameters per image, the A1111-style "parameters" text stored in its PNG
 * @param seed       the seed used
 * @param seconds    wall time of the whole run
 */
public record GenerationResult(List<Image> images, List<String> parameters, long seed, double seconds) {
    public GenerationResult {
        images = List.copyOf(images);
        parameters = List.copyOf(parameters);
    }
}
