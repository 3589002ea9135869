package io.easel.train.data;

import java.nio.file.Path;

/**
 * One training example as a dataset file lists it.
 *
 * @param id        a name for messages (the captions.txt id, or the prompt.json line)
 * @param image     the target image
 * @param condition the control image (ControlNet training), or null
 * @param caption   the prompt
 */
public record Example(String id, Path image, Path condition, String caption) {
    public Example {
        if (image == null) throw new IllegalArgumentException(id + ": no image");
        if (caption == null) caption = "";
    }
}
