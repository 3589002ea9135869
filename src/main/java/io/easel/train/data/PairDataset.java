package io.easel.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A list of training examples read from one of the two supported layouts:
 * <ul>
 *   <li>the ControlNet repository's {@code prompt.json}: one JSON object per line,
 *       {@code {"source": condition path, "target": image path, "prompt": text}}, paths relative to
 *       the file's folder ({@link #promptJson});</li>
 *   <li>a folder with {@code images/}, optional {@code conditions/} and {@code captions.txt}
 *       ({@code <id>\t<caption>} per line; the image is {@code images/<id>.<ext>}, the condition
 *       {@code conditions/<id>.<ext>}) ({@link #folder}).</li>
 * </ul>
 * {@link #validate} reads every file before training starts and fails with one line naming the
 * first bad file: missing, corrupt, or an image and condition of different sizes.
 */
public final class PairDataset {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif");
    private final Path source;
    private final List<Example> examples;

    private PairDataset(Path source, List<Example> examples) {
        this.source = source;
        this.examples = List.copyOf(examples);
    }

    /** The file or folder the list was read from. */
    public Path source() { return source; }

    public List<Example> examples() { return examples; }

    public int size() { return examples.size(); }

    public Example get(int i) { return examples.get(i); }

    /** Whether the examples carry condition images. */
    public boolean hasConditions() { return !examples.isEmpty() && examples.get(0).condition() != null; }

    /**
     * Reads a ControlNet-repository {@code prompt.json}.
     *
     * @throws IllegalArgumentException naming the file and line of a malformed entry, or for an empty file
     */
    public static PairDataset promptJson(Path file) {
        List<String> lines = readLines(file);
        Path base = file.toAbsolutePath().getParent();
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty()) continue;
            String where = file + ":" + (i + 1);
            JsonNode n;
            try {
                n = JSON.readTree(l);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": not a JSON object (" + e.getOriginalMessage() + ")");
            }
            if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": not a JSON object");
            for (String k : List.of("source", "target", "prompt"))
                if (!n.hasNonNull(k) || !n.get(k).isTextual()) throw new IllegalArgumentException(where + ": missing \"" + k + "\"");
            out.add(new Example(where, base.resolve(n.get("target").asText()), base.resolve(n.get("source").asText()), n.get("prompt").asText()));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": the dataset is empty (no entries)");
        return new PairDataset(file, out);
    }

    /**
     * Reads an {@code images/} + {@code conditions/} + {@code captions.txt} folder; without a
     * {@code conditions/} folder the examples have no condition images.
     *
     * @throws IllegalArgumentException naming the folder, file or line at fault
     */
    public static PairDataset folder(Path dir) { return folder(dir, null); }

    /**
     * As {@link #folder(Path)}, with the conditions of one kind taken from
     * {@code conditions/<kind>/<id>.<ext>} (the shapes world writes one subfolder per kind).
     * Without a kind, conditions come from image files directly in {@code conditions/}; a
     * {@code conditions/} folder holding only subfolders then means no conditions.
     */
    public static PairDataset folder(Path dir, String conditionKind) {
        Path images = dir.resolve("images"), captions = dir.resolve("captions.txt");
        Path conditions = conditionKind == null ? dir.resolve("conditions") : dir.resolve("conditions").resolve(conditionKind);
        if (!Files.isDirectory(images)) throw new IllegalArgumentException(dir + ": no images/ folder");
        if (!Files.isRegularFile(captions)) throw new IllegalArgumentException(dir + ": no captions.txt");
        if (conditionKind != null && !Files.isDirectory(conditions)) throw new IllegalArgumentException(dir + ": no conditions/" + conditionKind + "/ folder");
        boolean withCond = conditionKind != null || holdsFiles(conditions);
        List<String> lines = readLines(captions);
        List<Example> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) continue;
            String where = captions + ":" + (i + 1);
            int tab = l.indexOf('\t');
            if (tab <= 0) throw new IllegalArgumentException(where + ": expected <id><TAB><caption>");
            String id = l.substring(0, tab).strip(), caption = l.substring(tab + 1).strip();
            if (!seen.add(id)) throw new IllegalArgumentException(where + ": id '" + id + "' appears twice");
            Path img = find(images, id);
            if (img == null) throw new IllegalArgumentException(where + ": no image " + images.resolve(id) + ".{" + String.join(",", EXTENSIONS) + "}");
            Path cond = null;
            if (withCond) {
                cond = find(conditions, id);
                if (cond == null) throw new IllegalArgumentException(where + ": no condition " + conditions.resolve(id) + ".{" + String.join(",", EXTENSIONS) + "}");
            }
            out.add(new Example(id, img, cond, caption));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(captions + ": the dataset is empty (no captions)");
        return new PairDataset(dir, out);
    }

    /** Reads {@code path}: a {@code prompt.json} file, or a folder holding one, or an images/captions folder. */
    public static PairDataset open(Path path) {
        if (Files.isRegularFile(path)) return promptJson(path);
        if (Files.isRegularFile(path.resolve("prompt.json"))) return promptJson(path.resolve("prompt.json"));
        if (Files.isDirectory(path)) return folder(path);
        throw new IllegalArgumentException(path + ": no such dataset (expected prompt.json or a folder with images/ and captions.txt)");
    }

    /**
     * Checks every example before training: files exist and decode completely, and each condition
     * has its image's size.
     *
     * @throws IllegalArgumentException naming the example and file at fault
     */
    public PairDataset validate() {
        for (Example e : examples) {
            Resize.Planes img = read(e, e.image());
            if (e.condition() != null) {
                Resize.Planes cond = read(e, e.condition());
                if (img.width() != cond.width() || img.height() != cond.height())
                    throw new IllegalArgumentException(e.id() + ": image " + e.image().getFileName() + " is " + img.width() + "x" + img.height()
                            + " but condition " + e.condition().getFileName() + " is " + cond.width() + "x" + cond.height());
            }
        }
        return this;
    }

    private static Resize.Planes read(Example e, Path p) {
        try {
            return ImageFiles.readRgb(p);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(e.id() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * SHA-256 over every example's file names, file sizes and caption (not the
     * pixels): identifies the dataset in checkpoints.
     */
    public String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Example e : examples) {
                for (Path p : new Path[]{e.image(), e.condition()}) {
                    if (p == null) { md.update((byte) 0); continue; }
                    md.update(p.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                    md.update(Long.toString(Files.size(p)).getBytes(StandardCharsets.UTF_8));
                }
                md.update(e.caption().getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot read a dataset file (" + e.getMessage() + ")", e);
        }
    }

    private static boolean holdsFiles(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isRegularFile);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    private static Path find(Path dir, String id) {
        for (String ext : EXTENSIONS) {
            for (String x : List.of(ext, ext.toUpperCase(Locale.ROOT))) {
                Path p = dir.resolve(id + "." + x);
                if (Files.isRegularFile(p)) return p;
            }
        }
        return null;
    }

    private static List<String> readLines(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        try (Stream<String> s = Files.lines(file, StandardCharsets.UTF_8)) {
            return s.toList();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
