package io.easel.train.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.annotators.Image;
import io.easel.annotators.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ShapesDatasetTest {
    @TempDir Path tmp;

    static final ShapesDataset.Options OPTS = ShapesDataset.Options.defaults().withHoldout(5);

    /** Relative path -> SHA-256 of every file under a folder. */
    static TreeMap<String, String> hashes(Path dir) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    @Test
    void sameSeedSameBytesWhateverTheThreadsOtherSeedOtherBytes() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        ShapesDataset.generate(a, 24, 5, OPTS.withThreads(1));
        ShapesDataset.generate(b, 24, 5, OPTS.withThreads(3));
        ShapesDataset.generate(c, 24, 6, OPTS.withThreads(2));
        TreeMap<String, String> ha = hashes(a), hb = hashes(b), hc = hashes(c);
        assertEquals(ha, hb);
        assertEquals(ha.keySet(), hc.keySet());
        int same = 0;
        for (String k : ha.keySet()) if (k.startsWith("images/") && ha.get(k).equals(hc.get(k))) same++;
        assertEquals(0, same, "another seed gives other images");
        assertNotEquals(ha.get("scenes.jsonl"), hc.get("scenes.jsonl"));
    }

    @Test
    void writesBothLayoutsAndTheTruth() throws Exception {
        Path out = tmp.resolve("ds");
        List<String> progress = new ArrayList<>();
        ShapesDataset.Summary sum = ShapesDataset.generate(out, 12, 9, OPTS.withThreads(2),
                (split, done, total) -> progress.add(split + " " + done + "/" + total));
        assertEquals(12, sum.count());
        assertEquals(5, sum.holdout());
        List<String> want = new ArrayList<>();
        for (int i = 1; i <= 12; i++) want.add("train " + i + "/12");
        for (int i = 1; i <= 5; i++) want.add("holdout " + i + "/5");
        assertEquals(want, progress);
        assertEquals(sum.files(), hashes(out).size());

        ObjectMapper json = new ObjectMapper();
        for (Path dir : List.of(out, out.resolve("holdout"))) {
            int n = dir.equals(out) ? 12 : 5;
            int stream = dir.equals(out) ? 0 : 1;
            List<String> captions = Files.readAllLines(dir.resolve("captions.txt"));
            assertEquals(n, captions.size());
            List<SceneJson.Entry> scenes = ShapesDataset.readScenes(dir.resolve("scenes.jsonl"));
            assertEquals(n, scenes.size());
            for (int i = 0; i < n; i++) {
                String id = ShapesDataset.id(i, n);
                ShapesWorld.Sample s = ShapesWorld.sample(ShapesWorld.sceneSeed(9, stream, i), OPTS.world());
                assertEquals(new SceneJson.Entry(id, s.scene(), s.styleTwin()), scenes.get(i), "scenes.jsonl round trip");
                assertEquals(id + "\t" + s.scene().caption(), captions.get(i));
                Rendered r = ShapesWorld.render(s.scene());
                assertEquals(r.image(), Images.read(dir.resolve("images/" + id + ".png")), "PNG holds the exact pixels");
                for (ConditionKind k : ConditionKind.values()) {
                    Image cond = Images.read(dir.resolve("conditions/" + k.dirName() + "/" + id + ".png"));
                    assertEquals(k.compute(r, ShapesWorld.render(s.styleTwin())), cond, k.dirName());
                }
            }
            for (ConditionKind k : ConditionKind.values()) {
                Path pj = dir.resolve("prompt_" + k.dirName() + ".json");
                assertEquals(k.isHint(), Files.exists(pj), pj.toString());
                if (!k.isHint()) continue;
                List<String> lines = Files.readAllLines(pj);
                assertEquals(n, lines.size());
                for (int i = 0; i < n; i++) {
                    JsonNode o = json.readTree(lines.get(i));
                    assertEquals("conditions/" + k.dirName() + "/" + ShapesDataset.id(i, n) + ".png", o.get("source").textValue());
                    assertEquals("images/" + ShapesDataset.id(i, n) + ".png", o.get("target").textValue());
                    assertEquals(captions.get(i).split("\t")[1], o.get("prompt").textValue());
                    assertTrue(Files.isRegularFile(dir.resolve(o.get("source").textValue())));
                }
            }
            assertEquals(Files.readString(dir.resolve("prompt_canny.json")), Files.readString(dir.resolve("prompt.json")));
            JsonNode meta = json.readTree(dir.resolve("dataset.json").toFile());
            assertEquals(9, meta.get("seed").longValue());
            assertEquals(n, meta.get("count").intValue());
            assertEquals(64, meta.get("size").intValue());
        }
        // held-out scenes come from another stream
        assertNotEquals(Files.readAllLines(out.resolve("captions.txt")).subList(0, 5),
                Files.readAllLines(out.resolve("holdout/captions.txt")));
    }

    @Test
    void conditionSelectionAndPromptJson() throws Exception {
        Path out = tmp.resolve("pose");
        ShapesDataset.Options o = ShapesDataset.Options.defaults()
                .withWorld(ShapesWorld.Options.defaults().withSize(128).withShapes(List.of(ShapeKind.STICK_FIGURE)))
                .withConditions(List.of(ConditionKind.POSE, ConditionKind.SEG_LABELS)).withThreads(1);
        assertEquals(ConditionKind.POSE, o.promptCondition());
        ShapesDataset.generate(out, 3, 1, o);
        assertTrue(Files.isDirectory(out.resolve("conditions/pose")));
        assertTrue(Files.isDirectory(out.resolve("conditions/seg_labels")));
        assertFalse(Files.exists(out.resolve("conditions/canny")));
        assertFalse(Files.exists(out.resolve("holdout")));
        assertEquals(Files.readString(out.resolve("prompt_pose.json")), Files.readString(out.resolve("prompt.json")));
        assertEquals(128, Images.read(out.resolve("images/000000.png")).width());
    }

    @Test
    void badRequestsAreClearErrors() throws Exception {
        Path full = tmp.resolve("full");
        Files.createDirectories(full);
        Files.writeString(full.resolve("x.txt"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShapesDataset.generate(full, 2, 1, OPTS));
        assertTrue(e.getMessage().contains(full.toString()) && e.getMessage().contains("not empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShapesDataset.generate(tmp.resolve("n"), 0, 1, OPTS));
        assertTrue(e.getMessage().contains("--count"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OPTS.withHoldout(-1));
        assertTrue(e.getMessage().contains("--holdout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OPTS.withConditions(List.of(ConditionKind.DEPTH)).withPromptCondition(ConditionKind.CANNY));
        assertTrue(e.getMessage().contains("--condition canny"), e.getMessage());
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"id\": \"0\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> ShapesDataset.readScenes(bad));
        assertTrue(e.getMessage().contains("bad.jsonl line 1"), e.getMessage());
    }

    @Test
    void idsArePadded() {
        assertEquals("000042", ShapesDataset.id(42, 1000));
        assertEquals("0000042", ShapesDataset.id(42, 1_000_001));
    }

    @Test
    void pngEncoderRoundTrips() throws Exception {
        SplittableRandom rng = new SplittableRandom(3);
        for (int ch : new int[]{1, 3}) {
            for (int[] wh : new int[][]{{1, 1}, {7, 5}, {64, 64}, {33, 2}}) {
                float[] d = new float[wh[0] * wh[1] * ch];
                for (int i = 0; i < d.length; i++) d[i] = rng.nextInt(4) == 0 ? rng.nextInt(256) : (i > ch ? d[i - ch] : 0);
                Image im = new Image(wh[0], wh[1], ch, d);
                Path p = tmp.resolve("t" + ch + "_" + wh[0] + ".png");
                Png.write(im, p);
                assertEquals(im, Images.read(p));
            }
        }
    }
}
