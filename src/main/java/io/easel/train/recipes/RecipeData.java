package io.easel.train.recipes;

import io.easel.train.data.PairDataset;

import java.nio.file.Files;
import java.nio.file.Path;

/** How the recipes that train on images and captions alone (unet, clip) open their data. */
final class RecipeData {
    private RecipeData() {}

    /**
     * An images/ + captions.txt folder (a shapes-world folder also holds prompt.json, with
     * condition paths; its conditions are not read), else whatever {@link PairDataset#open} reads;
     * every file checked.
     *
     * @param flag the option that named {@code p}, for the error message
     * @throws IllegalArgumentException naming {@code flag} and {@code p} when there is nothing there, or a file is bad
     */
    static PairDataset imagesAndCaptions(Path p, String flag) {
        if (!Files.exists(p)) throw new IllegalArgumentException(flag + " " + p + ": no such file or folder");
        boolean folder = Files.isDirectory(p.resolve("images")) && Files.isRegularFile(p.resolve("captions.txt"));
        return (folder ? PairDataset.folder(p) : PairDataset.open(p)).validate();
    }
}
