package io.easel.train.shapes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Writes a shapes-world dataset ({@code easel dataset shapes --count N --seed S OUT}) in both pair
 * layouts of issue #9 at once, sharing one set of files:
 * <pre>
 * OUT/images/000000.png                 the scene (RGB)
 * OUT/conditions/&lt;kind&gt;/000000.png      each {@link ConditionKind}: canny, seg, seg_labels, depth,
 *                                       scribble, pose, alpha, background, style
 * OUT/captions.txt                      "&lt;id&gt;\t&lt;caption&gt;" per image, in id order
 * OUT/scenes.jsonl                      the structured truth per image ({@link SceneJson})
 * OUT/prompt_&lt;kind&gt;.json                ControlNet-repository layout for each hint kind, one JSON per line:
 *                                       {"source": "conditions/&lt;kind&gt;/000000.png", "target": "images/000000.png", "prompt": "..."}
 * OUT/prompt.json                       the same for {@link Options#promptCondition()} (canny by default), so the
 *                                       ControlNet tutorial's dataset loader reads OUT as it is
 * OUT/dataset.json                      how it was made: format, seed, count, options
 * OUT/holdout/...                       the same layout for {@link Options#holdout()} held-out scenes
 * </pre>
 * Paths inside the JSON files are relative to the folder holding them. Ids are the scene index,
 * zero-padded to 6 digits (more when needed). Training scenes are stream 0 of the seed and
 * held-out scenes stream 1 ({@link ShapesWorld#sceneSeed}), so the held-out set does not depend
 * on {@code count}, and scene {@code i} does not depend on {@code count} either.
 *
 * <p>Same seed and options give byte-identical files (pixels are exact by construction; PNGs are
 * written by a fixed encoder (adaptive row filters, deflate level 6), so their bytes depend on
 * nothing else but the platform's zlib; {@link io.easel.annotators.Images#read} reads them). Scenes are generated on {@link Options#threads()} threads; the result does not depend on
 * their number.
 */
public final class ShapesDataset {
    /** Version of the layout and of the world's rules, written to {@code dataset.json}. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ShapesDataset() {}

    /**
     * How to write the dataset.
     *
     * @param world           what scenes look like (size, object counts, kinds, caption rates)
     * @param conditions      the condition kinds to write (all by default), kept in enum order
     * @param promptCondition the kind {@code prompt.json} points at; must be among the conditions and a hint
     * @param holdout         number of held-out scenes written under {@code holdout/} (0 for none)
     * @param threads         worker threads, at least 1 (default: the available processors)
     */
    public record Options(ShapesWorld.Options world, List<ConditionKind> conditions, ConditionKind promptCondition,
                          int holdout, int threads) {
        /** Validates. */
        public Options {
            if (world == null) throw new IllegalArgumentException("world options are required");
            conditions = conditions == null ? List.of() : conditions.stream().distinct().sorted().toList();
            if (promptCondition != null && (!conditions.contains(promptCondition) || !promptCondition.isHint())) {
                throw new IllegalArgumentException("--condition " + promptCondition.dirName()
                        + " must be one of the written hint conditions " + conditions.stream().filter(ConditionKind::isHint)
                        .map(ConditionKind::dirName).toList());
            }
            if (holdout < 0) throw new IllegalArgumentException("--holdout must be >= 0, got " + holdout);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }

        /** Default world, every condition, prompt.json for canny, no held-out scenes, all processors. */
        public static Options defaults() {
            return new Options(ShapesWorld.Options.defaults(), List.of(ConditionKind.values()), ConditionKind.CANNY, 0,
                    Runtime.getRuntime().availableProcessors());
        }

        /** With other world options. */
        public Options withWorld(ShapesWorld.Options w) {
            return new Options(w, conditions, promptCondition, holdout, threads);
        }

        /** With other condition kinds; {@code prompt.json} keeps its kind when still written, else takes the first hint (or none). */
        public Options withConditions(Collection<ConditionKind> kinds) {
            List<ConditionKind> k = List.copyOf(kinds);
            ConditionKind p = k.contains(promptCondition) ? promptCondition
                    : k.stream().filter(ConditionKind::isHint).sorted().findFirst().orElse(null);
            return new Options(world, k, p, holdout, threads);
        }

        /** With {@code prompt.json} pointing at another kind. */
        public Options withPromptCondition(ConditionKind k) {
            return new Options(world, conditions, k, holdout, threads);
        }

        /** With a number of held-out scenes. */
        public Options withHoldout(int k) {
            return new Options(world, conditions, promptCondition, k, threads);
        }

        /** With a number of worker threads. */
        public Options withThreads(int t) {
            return new Options(world, conditions, promptCondition, holdout, t);
        }
    }

    /** Progress of {@link #generate}, called on the caller's thread in scene order. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param split "train" or "holdout"
         * @param done  scenes finished in this split
         * @param total scenes in this split
         */
        void update(String split, int done, int total);

        /** Reports nothing. */
        Progress NONE = (s, d, t) -> {};
    }

    /**
     * What was written.
     *
     * @param out     the output folder
     * @param count   training scenes
     * @param holdout held-out scenes
     * @param files   files written
     * @param seconds wall time
     */
    public record Summary(Path out, int count, int holdout, long files, double seconds) {}

    /** {@link #generate(Path, int, long, Options, Progress)} without progress. */
    public static Summary generate(Path out, int count, long seed, Options opts) {
        return generate(out, count, seed, opts, Progress.NONE);
    }

    /**
     * Generates {@code count} scenes (and {@code opts.holdout()} held-out ones) into {@code out}.
     *
     * @throws IllegalArgumentException when {@code count < 1} or {@code out} is a file or a non-empty folder
     * @throws UncheckedIOException     naming the file on a write error
     */
    public static Summary generate(Path out, int count, long seed, Options opts, Progress progress) {
        if (count < 1) throw new IllegalArgumentException("--count must be >= 1, got " + count);
        checkEmpty(out);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(opts.threads(), r -> {
            Thread t = new Thread(r, "shapes-dataset");
            t.setDaemon(true);
            return t;
        });
        try {
            long files = writeSplit(out, "train", 0, count, seed, opts, progress, pool);
            if (opts.holdout() > 0) files += writeSplit(out.resolve("holdout"), "holdout", 1, opts.holdout(), seed, opts, progress, pool);
            return new Summary(out, count, opts.holdout(), files, (System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void checkEmpty(Path out) {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) throw new IllegalArgumentException("output " + out + " is a file; give a new or empty folder");
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("output folder " + out + " is not empty; give a new or empty folder");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + out + ": " + e.getMessage(), e);
            }
        }
    }

    /** The id of scene {@code i} of {@code total}: zero-padded to at least 6 digits. */
    public static String id(int i, int total) {
        int digits = Math.max(6, String.valueOf(Math.max(0, total - 1)).length());
        return String.format("%0" + digits + "d", i);
    }

    private record Done(String captionLine, String sceneLine, int files) {}

    private static long writeSplit(Path dir, String split, int stream, int n, long seed, Options opts, Progress progress,
                                   ExecutorService pool) {
        try {
            Files.createDirectories(dir.resolve("images"));
            for (ConditionKind k : opts.conditions()) Files.createDirectories(dir.resolve("conditions").resolve(k.dirName()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create folders under " + dir + ": " + e.getMessage(), e);
        }
        List<Future<Done>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final int idx = i;
            futures.add(pool.submit(() -> writeScene(dir, id(idx, n), ShapesWorld.sceneSeed(seed, stream, idx), opts)));
        }
        StringBuilder captions = new StringBuilder(), scenes = new StringBuilder();
        long files = 0;
        for (int i = 0; i < n; i++) {
            Done d;
            try {
                d = futures.get(i).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing " + dir, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            }
            captions.append(d.captionLine).append('\n');
            scenes.append(d.sceneLine).append('\n');
            files += d.files;
            progress.update(split, i + 1, n);
        }
        writeText(dir.resolve("captions.txt"), captions.toString());
        writeText(dir.resolve("scenes.jsonl"), scenes.toString());
        files += 2;
        for (ConditionKind k : opts.conditions()) {
            if (!k.isHint()) continue;
            String prompts = promptLines(k, n, captions);
            writeText(dir.resolve("prompt_" + k.dirName() + ".json"), prompts);
            files++;
            if (k == opts.promptCondition()) {
                writeText(dir.resolve("prompt.json"), prompts);
                files++;
            }
        }
        writeText(dir.resolve("dataset.json"), metadata(split, n, seed, stream, opts));
        return files + 1;
    }

    private static Done writeScene(Path dir, String id, long sceneSeed, Options opts) {
        ShapesWorld.Sample s = ShapesWorld.sample(sceneSeed, opts.world());
        Rendered r = ShapesWorld.render(s.scene());
        Rendered twin = opts.conditions().contains(ConditionKind.STYLE) ? ShapesWorld.render(s.styleTwin()) : null;
        Png.write(r.image(), dir.resolve("images").resolve(id + ".png"));
        for (ConditionKind k : opts.conditions()) {
            Png.write(k.compute(r, twin), dir.resolve("conditions").resolve(k.dirName()).resolve(id + ".png"));
        }
        return new Done(id + "\t" + s.scene().caption(), SceneJson.line(id, s.scene(), s.styleTwin()), 1 + opts.conditions().size());
    }

    private static String promptLines(ConditionKind k, int n, StringBuilder captions) {
        StringBuilder sb = new StringBuilder();
        String[] lines = captions.toString().split("\n");
        for (int i = 0; i < n; i++) {
            String line = lines[i];
            int tab = line.indexOf('\t');
            String id = line.substring(0, tab);
            ObjectNode o = JSON.createObjectNode();
            o.put("source", "conditions/" + k.dirName() + "/" + id + ".png");
            o.put("target", "images/" + id + ".png");
            o.put("prompt", line.substring(tab + 1));
            sb.append(o).append('\n');
        }
        return sb.toString();
    }

    private static String metadata(String split, int n, long seed, int stream, Options opts) {
        ObjectNode m = JSON.createObjectNode();
        m.put("generator", "easel shapes world");
        m.put("format", FORMAT);
        m.put("split", split);
        m.put("count", n);
        m.put("seed", seed);
        m.put("stream", stream);
        ShapesWorld.Options w = opts.world();
        m.put("size", w.size());
        m.put("min_objects", w.minObjects());
        m.put("max_objects", w.maxObjects());
        ArrayNode shapes = m.putArray("shapes");
        for (ShapeKind k : w.shapes()) shapes.add(k.word());
        m.put("size_word_rate", w.sizeWordRate());
        m.put("background_phrase_rate", w.backgroundPhraseRate());
        ArrayNode conds = m.putArray("conditions");
        for (ConditionKind k : opts.conditions()) conds.add(k.dirName());
        if (opts.promptCondition() != null) m.put("prompt_condition", opts.promptCondition().dirName());
        return m.toPrettyString() + "\n";
    }

    private static void writeText(Path p, String text) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a {@code scenes.jsonl} written by {@link #generate}.
     *
     * @throws IllegalArgumentException naming the file and line on malformed input
     */
    public static List<SceneJson.Entry> readScenes(Path scenesJsonl) {
        List<String> lines;
        try {
            lines = Files.readAllLines(scenesJsonl, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("scenes file not found: " + scenesJsonl, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + scenesJsonl + ": " + e.getMessage(), e);
        }
        List<SceneJson.Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            out.add(SceneJson.parseLine(lines.get(i), scenesJsonl + " line " + (i + 1)));
        }
        return out;
    }
}
