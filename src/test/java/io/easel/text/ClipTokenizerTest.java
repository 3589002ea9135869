package io.easel.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easel.text.ClipTokenizer.ChunkBoundary;
import io.easel.text.ClipTokenizer.Padding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ClipTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    // ---- golden data (skipped when absent) ---------------------------------------------------

    private static Path golden() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null && Files.isDirectory(Path.of(g)), "golden data not available");
        return Path.of(g);
    }

    private static Path goldenTokenizerFolder() {
        Path dir = golden().resolve("models/tiny-sd15/tokenizer");
        assumeTrue(Files.isRegularFile(dir.resolve("vocab.json")), "golden tokenizer not available");
        return dir;
    }

    private static JsonNode goldenCase() throws IOException {
        Path c = golden().resolve("core/clip_tokenizer/prompts/case.json");
        assumeTrue(Files.isRegularFile(c), "clip_tokenizer case not available");
        return JSON.readTree(c.toFile());
    }

    private static long[] longs(JsonNode arr) {
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asLong();
        return out;
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    @Test
    void everyGoldenCaseMatchesExactly() throws IOException {
        JsonNode c = goldenCase();
        assertEquals("clip_tokenizer", c.get("kind").asText());
        ClipTokenizer tok = ClipTokenizer.fromFolder(golden().resolve(c.get("tokenizer").asText()));
        int checkedChunks = 0;
        for (JsonNode k : c.get("cases")) {
            String prompt = k.get("prompt").asText();
            String what = "prompt " + JSON.writeValueAsString(prompt);
            assertArrayEquals(ints(k.get("tokens")), tok.encode(prompt), what + ": tokens");
            assertArrayEquals(longs(k.get("sd1_ids")), tok.sd1Ids(prompt), what + ": sd1_ids");
            assertArrayEquals(longs(k.get("sd2_ids")), tok.sd2Ids(prompt), what + ": sd2_ids");
            assertArrayEquals(longs(k.get("sd2_ids")), tok.chunks(prompt, Padding.SD2).get(0), what + ": first SD2 chunk");
            if (k.has("chunks_sd1")) {
                List<long[]> chunks = tok.chunks(prompt, Padding.SD1);
                JsonNode expected = k.get("chunks_sd1");
                assertEquals(expected.size(), chunks.size(), what + ": number of chunks");
                for (int i = 0; i < chunks.size(); i++)
                    assertArrayEquals(longs(expected.get(i)), chunks.get(i), what + ": chunk " + i);
                checkedChunks++;
            }
        }
        assertTrue(c.get("cases").size() >= 9, "case file holds its prompts");
        assertTrue(checkedChunks > 0, "some case has chunks_sd1");
    }

    @Test
    void realVocabularyFacts() {
        ClipTokenizer tok = ClipTokenizer.fromFolder(goldenTokenizerFolder());
        assertEquals(49408, tok.vocabSize());
        assertEquals(49406, tok.startId());
        assertEquals(49407, tok.endId());
        assertEquals("!", tok.token(0));
        // A diffusers model folder is accepted for its tokenizer/ subfolder.
        ClipTokenizer viaModel = ClipTokenizer.fromFolder(goldenTokenizerFolder().getParent());
        assertArrayEquals(tok.encode("a red circle"), viaModel.encode("a red circle"));
    }

    @Test
    void loadsQuickly() {
        Path dir = goldenTokenizerFolder();
        ClipTokenizer.fromFolder(dir); // warm up class loading and the JIT a little
        long t0 = System.nanoTime();
        ClipTokenizer.fromFolder(dir);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("ClipTokenizer.fromFolder: " + ms + " ms");
        assertTrue(ms < 3000, "loading took " + ms + " ms"); // loose: the test machine is shared
    }

    @Test
    void bpeGzLoaderBuildsTheSameVocabularyAsTheFolder() throws IOException {
        Path dir = goldenTokenizerFolder();
        ClipTokenizer folder = ClipTokenizer.fromFolder(dir);
        // Rebuild OpenAI's distribution: a header, the merges, then lines CLIP does not use.
        List<String> merges = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("merges.txt"), StandardCharsets.UTF_8))
            if (!line.isEmpty() && !line.startsWith("#version")) merges.add(line);
        assertEquals(ClipTokenizer.BPE_GZ_MERGES, merges.size());
        Path gz = tmp.resolve("bpe_simple_vocab_16e6.txt.gz");
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(
                new GZIPOutputStream(Files.newOutputStream(gz)), StandardCharsets.UTF_8))) {
            w.write("\"bpe_simple_vocab_16e6.txt#version: 0.2\n");
            for (String m : merges) w.write(m + "\n");
            w.write("zz qq\nnot-a-merge-line-but-unused\n");
        }
        ClipTokenizer fromGz = ClipTokenizer.fromBpeGz(gz);
        assertEquals(folder.vocabSize(), fromGz.vocabSize());
        for (int id = 0; id < folder.vocabSize(); id++)
            assertEquals(folder.token(id), fromGz.token(id), "vocabulary entry " + id);
        for (JsonNode k : goldenCase().get("cases")) {
            String prompt = k.get("prompt").asText();
            assertArrayEquals(ints(k.get("tokens")), fromGz.encode(prompt), prompt);
        }
    }

    @Test
    void decodeInvertsEncodeUpToNormalisation() {
        ClipTokenizer tok = ClipTokenizer.fromFolder(goldenTokenizerFolder());
        assertEquals("a photograph of an astronaut riding a horse",
                tok.decode(tok.encode("A photograph of an  astronaut riding a horse")));
        assertEquals("café naïve 🙂", tok.decode(tok.encode("Café naïve 🙂")));
        assertEquals("<|startoftext|>cat <|endoftext|>", tok.decode(new int[] {49406, tok.encode("cat")[0], 49407}));
    }

    @Test
    void commaBacktrackOnTheRealVocabulary() {
        ClipTokenizer tok = ClipTokenizer.fromFolder(goldenTokenizerFolder());
        int cat = tok.encode("cat")[0], dog = tok.encode("dog")[0];
        assertEquals(1, tok.encode("cat").length);
        String prompt = "cat ".repeat(60) + ", " + "dog ".repeat(20); // 81 tokens, comma at 60
        List<long[]> a1111 = tok.chunks(prompt, Padding.SD1, ChunkBoundary.A1111_COMMA_BACKTRACK);
        assertEquals(2, a1111.size());
        assertEquals(cat, a1111.get(0)[60]);
        assertEquals(tok.encode(",")[0], a1111.get(0)[61]);
        assertEquals(49407, a1111.get(0)[62]);
        assertEquals(dog, a1111.get(1)[1]);
        assertEquals(dog, a1111.get(1)[20]);
        assertEquals(49407, a1111.get(1)[21]);
    }

    // ---- a synthetic vocabulary: runs without golden data ----------------------------------

    /** A folder with the 512 byte symbols, the given merges, and the two special tokens. */
    private Path syntheticFolder(String name, String... merges) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String b : ClipTokenizer.byteSymbols()) vocab.put(b, vocab.size());
        for (String b : ClipTokenizer.byteSymbols()) vocab.put(b + "</w>", vocab.size());
        for (String m : merges) vocab.putIfAbsent(m.replace(" ", ""), vocab.size());
        vocab.put("<|startoftext|>", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        JSON.writeValue(dir.resolve("vocab.json").toFile(), vocab);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        return dir;
    }

    private ClipTokenizer synthetic() throws IOException {
        return ClipTokenizer.fromFolder(syntheticFolder("syn", "h e", "l l", "he ll", "hell o</w>", "c a", "ca t</w>", "! !</w>"));
    }

    @Test
    void bpeMergesByRankWithWordEndMarks() throws IOException {
        ClipTokenizer tok = synthetic();
        int[] ids = tok.encode("hello cat hell");
        // "hell" at a word end: "l</w>" is a different symbol from "l", so "l l" cannot merge
        // at the end and the word stays "he", "l", "l</w>".
        assertEquals(List.of("hello</w>", "cat</w>", "he", "l", "l</w>"), tokens(tok, ids));
        assertEquals("hello cat hell", tok.decode(ids));
    }

    private static List<String> tokens(ClipTokenizer tok, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(tok.token(id));
        return out;
    }

    @Test
    void normalisesWhitespaceCaseAndUnicode() throws IOException {
        ClipTokenizer tok = synthetic();
        assertArrayEquals(tok.encode("hello cat"), tok.encode("  HELLO\t\u00a0\n\u3000Cat  "));
        assertEquals("hello cat", ClipTokenizer.normalize("  HELLO\t\u00a0\n\u3000Cat  "));
        // NFC: e + combining acute is the precomposed é.
        assertEquals("caf\u00e9", ClipTokenizer.normalize("CAFE\u0301"));
        assertArrayEquals(tok.encode("caf\u00e9"), tok.encode("cafe\u0301"));
        // Lower case one code point at a time: no context-dependent final sigma.
        assertEquals("οδοσ", ClipTokenizer.normalize("ΟΔΟΣ"));
        // HTML entities stay as typed.
        assertEquals(List.of("&</w>", "a", "m", "p</w>", ";</w>"), tokens(tok, tok.encode("&amp;")));
    }

    @Test
    void preTokenizerSplitsContractionsDigitsAndPunctuation() throws IOException {
        ClipTokenizer tok = synthetic();
        // 's is its own piece, each digit is its own piece, punctuation runs stay together.
        assertEquals(List.of("cat</w>", "'", "s</w>", "4</w>", "2</w>", "!", "?</w>"),
                tokens(tok, tok.encode("CAT'S 42!?")));
        // Special tokens typed in the prompt become their ids.
        int[] ids = tok.encode("cat<|endoftext|>cat");
        assertEquals(tok.endId(), ids[1]);
        assertEquals(3, ids.length);
    }

    @Test
    void sd2SplitsEveryExclamationMarkAsToken0() throws IOException {
        ClipTokenizer tok = synthetic();
        int cat = tok.encode("cat")[0];
        assertEquals(List.of("cat</w>", "!", "?</w>"), tokens(tok, tok.encode("cat!?")));
        assertArrayEquals(new int[] {cat, 0, 0}, tok.encode("cat!!", Padding.SD2));
        assertArrayEquals(new int[] {cat, 0, tok.encode("?")[0], cat}, tok.encode("cat!? cat", Padding.SD2));
        assertArrayEquals(new long[] {tok.startId(), cat, 0, 0, tok.endId(), 0}, Arrays.copyOf(tok.sd2Ids("cat!!"), 6));
        assertEquals(List.of("cat</w>", "!!</w>"), tokens(tok, tok.encode("cat!!")));
        // 30 x "cat!!" is 60 tokens for SD1 but 90 for SD2, which chunking follows.
        assertEquals(1, tok.chunks("cat!!".repeat(30), Padding.SD1).size());
        assertEquals(2, tok.chunks("cat!!".repeat(30), Padding.SD2).size());
    }

    @Test
    void windowsAreWrappedTruncatedAndPadded() throws IOException {
        ClipTokenizer tok = synthetic();
        int s = tok.startId(), e = tok.endId();
        long[] sd1 = tok.sd1Ids("cat");
        long[] sd2 = tok.sd2Ids("cat");
        assertEquals(77, sd1.length);
        assertEquals(77, sd2.length);
        assertArrayEquals(new long[] {s, tok.encode("cat")[0], e, e}, Arrays.copyOf(sd1, 4));
        assertArrayEquals(new long[] {s, tok.encode("cat")[0], e, 0}, Arrays.copyOf(sd2, 4));
        assertEquals(0, sd2[76]);
        long[] longOne = tok.sd1Ids("cat ".repeat(100));
        assertEquals(e, longOne[76]);
        assertEquals(tok.encode("cat")[0], longOne[75]);
    }

    @Test
    void chunksAreConsecutive75TokenPieces() throws IOException {
        ClipTokenizer tok = synthetic();
        int cat = tok.encode("cat")[0];
        assertEquals(1, tok.chunks("", Padding.SD2).size());
        assertArrayEquals(tok.sd2Ids(""), tok.chunks("", Padding.SD2).get(0));
        assertEquals(1, tok.chunks("cat ".repeat(75), Padding.SD1).size());
        List<long[]> c = tok.chunks("cat ".repeat(76), Padding.SD2);
        assertEquals(2, c.size());
        assertArrayEquals(tok.sd2Ids("cat ".repeat(75)), c.get(0));
        assertArrayEquals(tok.sd2Ids("cat"), c.get(1));
        assertEquals(cat, c.get(1)[1]);
    }

    @Test
    void commaBacktrackIsOptInAndFollowsA1111() throws IOException {
        ClipTokenizer tok = synthetic();
        // 70 tokens, a comma at index 70, then 10 more: default cuts at 75.
        String prompt = "a ".repeat(70) + ", " + "b ".repeat(10);
        List<long[]> plain = tok.chunks(prompt, Padding.SD1);
        assertEquals(plain.size(), tok.chunks(prompt, Padding.SD1, ChunkBoundary.EVERY_75_TOKENS).size());
        assertEquals(tok.encode("b")[0], plain.get(0)[75]);
        List<long[]> a1111 = tok.chunks(prompt, Padding.SD1, ChunkBoundary.A1111_COMMA_BACKTRACK);
        assertEquals(2, a1111.size());
        assertEquals(tok.encode(",")[0], a1111.get(0)[71]);
        assertEquals(tok.endId(), a1111.get(0)[72]);
        assertArrayEquals(tok.sd1Ids("b ".repeat(10)), a1111.get(1));
        // A comma more than 20 tokens back does not move the boundary.
        String far = "a ".repeat(50) + ", " + "b ".repeat(30);
        assertArrayEquals(tok.chunks(far, Padding.SD1).get(0), tok.chunks(far, Padding.SD1, ChunkBoundary.A1111_COMMA_BACKTRACK).get(0));
        // Empty and short prompts are unchanged by the option.
        assertArrayEquals(tok.sd1Ids(""), tok.chunks("", Padding.SD1, ChunkBoundary.A1111_COMMA_BACKTRACK).get(0));
        assertArrayEquals(tok.sd1Ids("a, b"), tok.chunks("a, b", Padding.SD1, ChunkBoundary.A1111_COMMA_BACKTRACK).get(0));
    }

    @Test
    void padChunksAppendsTheEmptyPromptChunk() throws IOException {
        ClipTokenizer tok = synthetic();
        List<long[]> cond = tok.chunks("cat ".repeat(160), Padding.SD2);
        assertEquals(3, cond.size());
        List<long[]> uncond = tok.padChunks(tok.chunks("hello", Padding.SD2), cond.size(), Padding.SD2);
        assertEquals(3, uncond.size());
        assertArrayEquals(tok.sd2Ids("hello"), uncond.get(0));
        assertArrayEquals(tok.sd2Ids(""), uncond.get(1));
        assertArrayEquals(tok.sd2Ids(""), uncond.get(2));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> tok.padChunks(cond, 2, Padding.SD2));
        assertTrue(ex.getMessage().contains("3"), ex.getMessage());
    }

    @Test
    void resultsAreStableAcrossTheCache() throws IOException {
        ClipTokenizer tok = synthetic();
        int[] first = tok.encode("hello hello cat");
        assertArrayEquals(first, tok.encode("hello hello cat"));
        first[0] = -5; // callers get their own arrays
        assertNotEquals(-5, tok.encode("hello")[0]);
    }

    // ---- errors name the file ----------------------------------------------------------------

    private static TokenizerException fails(Path dir) {
        return assertThrows(TokenizerException.class, () -> ClipTokenizer.fromFolder(dir));
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path none = tmp.resolve("nowhere");
        assertTrue(fails(none).getMessage().contains(none.toString()));
        Path dir = syntheticFolder("nomerges", "c a");
        Files.delete(dir.resolve("merges.txt"));
        assertTrue(fails(dir).getMessage().contains(dir.resolve("merges.txt").toString()));
        Path dir2 = syntheticFolder("novocab", "c a");
        Files.delete(dir2.resolve("vocab.json"));
        assertTrue(fails(dir2).getMessage().contains(dir2.resolve("vocab.json").toString()));
        Path gz = tmp.resolve("missing.txt.gz");
        TokenizerException ex = assertThrows(TokenizerException.class, () -> ClipTokenizer.fromBpeGz(gz));
        assertTrue(ex.getMessage().contains(gz.toString()), ex.getMessage());
    }

    @Test
    void malformedFilesAreNamedWithTheLine() throws IOException {
        Path dir = syntheticFolder("badline", "c a", "ca t</w>");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nc a\nthree parts here\n");
        String msg = fails(dir).getMessage();
        assertTrue(msg.contains(dir.resolve("merges.txt").toString()) && msg.contains("line 3"), msg);

        Path unknown = syntheticFolder("unknown", "c a");
        Files.writeString(unknown.resolve("merges.txt"), "#version: 0.2\nc a\nca q\n");
        msg = fails(unknown).getMessage();
        assertTrue(msg.contains(unknown.resolve("merges.txt").toString()) && msg.contains("line 3") && msg.contains("'caq'"), msg);

        Path json = syntheticFolder("json", "c a");
        Files.writeString(json.resolve("vocab.json"), "{\"a\": 0, ");
        msg = fails(json).getMessage();
        assertTrue(msg.contains(json.resolve("vocab.json").toString()) && msg.contains("JSON"), msg);

        Path special = syntheticFolder("special", "c a");
        Map<?, ?> v = JSON.readValue(special.resolve("vocab.json").toFile(), Map.class);
        v.remove("<|endoftext|>");
        JSON.writeValue(special.resolve("vocab.json").toFile(), v);
        msg = fails(special).getMessage();
        assertTrue(msg.contains(special.resolve("vocab.json").toString()) && msg.contains("<|endoftext|>"), msg);

        Path gap = syntheticFolder("gap", "c a");
        Files.writeString(gap.resolve("vocab.json"), "{\"a\": 0, \"b\": 5}");
        msg = fails(gap).getMessage();
        assertTrue(msg.contains("id 5"), msg);

        Path shortGz = tmp.resolve("short.txt.gz");
        try (var w = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(shortGz)), StandardCharsets.UTF_8)) {
            w.write("header\n" + String.join("\n", Collections.nCopies(10, "c a")) + "\n");
        }
        msg = assertThrows(TokenizerException.class, () -> ClipTokenizer.fromBpeGz(shortGz)).getMessage();
        assertTrue(msg.contains(shortGz.toString()) && msg.contains("10 merges"), msg);
    }
}
