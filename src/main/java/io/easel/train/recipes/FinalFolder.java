package io.easel.train.recipes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** How the recipes replace a run's {@code OUT/final}: written beside it, then renamed into place. */
final class FinalFolder {
    private FinalFolder() {}

    /** Writes a folder's files into the (empty, existing) folder it is given. */
    @FunctionalInterface
    interface Contents {
        void writeTo(Path dir) throws IOException;
    }

    /**
     * Writes {@code dir} through {@code contents} into {@code <dir>.partial} beside it, then
     * replaces {@code dir} (an older one is deleted) by renaming, so that {@code dir} is complete
     * whenever it exists.
     *
     * @throws UncheckedIOException naming {@code dir} when a file cannot be written
     */
    static void replace(Path dir, Contents contents) {
        Path abs = dir.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            contents.writeTo(tmp);
            deleteTree(abs);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the final model (" + e.getMessage() + ")", e);
        }
    }

    /** Deletes a file or a folder with everything in it; nothing when it does not exist. */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
