package io.easel.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer, as transformers' {@code CLIPTokenizer} runs it without ftfy:
 * the prompt is NFC-normalised, runs of whitespace become one space, it is lower-cased, split
 * by CLIP's pre-tokenizer regex, and each piece is byte-encoded and merged by BPE with a
 * {@code </w>} mark on its last symbol. HTML entities are not unescaped.
 *
 * <p>SD1 (OpenAI CLIP ViT-L/14) and SD2 (OpenCLIP ViT-H/14) share the vocabulary and differ
 * only in the padding id: see {@link Padding}. Instances are immutable and thread-safe.
 */
public final class ClipTokenizer {
    /** Tokens of one text-encoder window, without its start and end tokens. */
    public static final int CHUNK_TOKENS = 75;
    /** Length of one text-encoder window: start token, 75 tokens, end token. */
    public static final int MAX_LENGTH = 77;
    /** Merges used from the original distribution: 49152 - 256 - 2, as OpenAI's CLIP reads it. */
    public static final int BPE_GZ_MERGES = 48894;
    /** How far A1111 moves a chunk boundary back to the last comma, in tokens. */
    public static final int COMMA_BACKTRACK = 20;

    static final String START_TOKEN = "<|startoftext|>";
    static final String END_TOKEN = "<|endoftext|>";
    private static final String WORD_END = "</w>";

    /** How the tail of a 77-token window is filled after the end token. */
    public enum Padding {
        /** SD1 (OpenAI CLIP ViT-L/14): padded with the end token, 49407. */
        SD1,
        /**
         * SD2 (OpenCLIP ViT-H/14) as diffusers tokenizes it: padded with 0, the id of "!", and
         * each "!" in the prompt is a token of its own (see {@link #encode(String, Padding)}).
         */
        SD2
    }

    /** Where a long prompt is cut into 75-token chunks. */
    public enum ChunkBoundary {
        /** Consecutive 75-token pieces (ComfyUI's convention); the default. */
        EVERY_75_TOKENS,
        /**
         * A1111's variant: when a chunk is full and its last comma is at most
         * {@link #COMMA_BACKTRACK} tokens back, the chunk ends after that comma and the tokens
         * behind it move to the next chunk.
         */
        A1111_COMMA_BACKTRACK
    }

    // CLIP's pre-tokenizer without the two special tokens, which are split off before it runs
    // (as transformers does with added tokens). \s is Unicode White_Space, as in the reference.
    private static final Pattern PRE_TOKENIZER = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPECIAL = Pattern.compile(Pattern.quote(START_TOKEN) + "|" + Pattern.quote(END_TOKEN));
    // SD2's tokenizer has pad token "!", which transformers registers as an added token: every
    // "!" in a prompt is split off before pre-tokenization and becomes id 0 on its own.
    private static final Pattern SPECIAL_SD2 = Pattern.compile(SPECIAL.pattern() + "|!");
    private static final int CACHE_LIMIT = 100_000;
    // Interning 49408 distinct field names costs several times the parse itself.
    private static final JsonFactory VOCAB_JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();

    /** GPT-2/CLIP byte-to-unicode table: byte value -> printable character standing for it. */
    private static final char[] BYTE_CHAR = new char[256];
    /** The 256 byte symbols in vocabulary order (printable bytes first, then the rest). */
    private static final int[] BYTE_ORDER = new int[256];
    private static final Map<Character, Integer> CHAR_BYTE = new HashMap<>();
    static {
        boolean[] printable = new boolean[256];
        int k = 0;
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                printable[b] = true;
                BYTE_CHAR[b] = (char) b;
                BYTE_ORDER[k++] = b;
            }
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!printable[b]) {
                BYTE_CHAR[b] = (char) (256 + n++);
                BYTE_ORDER[k++] = b;
            }
        }
        for (int b = 0; b < 256; b++) CHAR_BYTE.put(BYTE_CHAR[b], b);
    }

    /** The 256 byte symbols in vocabulary order, for building test vocabularies. */
    static List<String> byteSymbols() {
        List<String> out = new ArrayList<>(256);
        for (int b : BYTE_ORDER) out.add(String.valueOf(BYTE_CHAR[b]));
        return out;
    }

    private final String source;
    private final String[] idToToken;
    private final int[] byteId = new int[256];
    private final int[] byteEndId = new int[256];
    private final PairRanks ranks;
    private final int[] mergeFirst, mergeSecond, mergeResult;
    private final int startId, endId, commaId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(String source, Path vocabFile, Path mergesFile, Map<String, Integer> vocab,
                          String[] idToToken, List<String[]> merges, List<Integer> mergeLines) {
        this.source = source;
        this.idToToken = idToToken;
        for (int b = 0; b < 256; b++) {
            String c = String.valueOf(BYTE_CHAR[b]);
            byteId[b] = require(vocab, vocabFile, c, "byte symbol");
            byteEndId[b] = require(vocab, vocabFile, c + WORD_END, "byte symbol");
        }
        startId = require(vocab, vocabFile, START_TOKEN, "special token");
        endId = require(vocab, vocabFile, END_TOKEN, "special token");
        commaId = vocab.getOrDefault("," + WORD_END, -1);
        int n = merges.size();
        ranks = new PairRanks(n);
        mergeFirst = new int[n];
        mergeSecond = new int[n];
        mergeResult = new int[n];
        for (int r = 0; r < n; r++) {
            String[] m = merges.get(r);
            int line = mergeLines.get(r);
            mergeFirst[r] = requireMerge(vocab, mergesFile, m[0], line);
            mergeSecond[r] = requireMerge(vocab, mergesFile, m[1], line);
            mergeResult[r] = requireMerge(vocab, mergesFile, m[0] + m[1], line);
            // A pair listed twice keeps its later rank, as both reference implementations do.
            ranks.put(mergeFirst[r], mergeSecond[r], r);
        }
    }

    private static int require(Map<String, Integer> vocab, Path file, String token, String what) {
        Integer id = vocab.get(token);
        if (id == null) throw new TokenizerException(file + ": vocabulary lacks the " + what + " '" + token + "'");
        return id;
    }

    private static int requireMerge(Map<String, Integer> vocab, Path file, String token, int line) {
        Integer id = vocab.get(token);
        if (id == null)
            throw new TokenizerException(file + ": merge on line " + line + " needs '" + token + "', which is not in the vocabulary");
        return id;
    }

    // ---------------------------------------------------------------------------------------
    // Loading

    /**
     * Reads a transformers tokenizer folder: {@code vocab.json} (token to id) and
     * {@code merges.txt} (a {@code #version} line, then one merge "a b" per line, best first).
     * A diffusers model folder whose {@code tokenizer/} subfolder holds them is accepted too.
     *
     * @param dir the {@code tokenizer/} folder
     * @return the tokenizer
     * @throws TokenizerException when a file is missing or malformed; the message names it
     */
    public static ClipTokenizer fromFolder(Path dir) {
        Path folder = dir;
        if (!Files.isRegularFile(folder.resolve("vocab.json")) && Files.isRegularFile(folder.resolve("tokenizer").resolve("vocab.json")))
            folder = folder.resolve("tokenizer");
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        if (!Files.isDirectory(dir)) throw new TokenizerException(dir + ": no such tokenizer folder");
        if (!Files.isRegularFile(vocabFile)) throw new TokenizerException(vocabFile + ": no such file (a CLIP tokenizer folder needs vocab.json and merges.txt)");
        if (!Files.isRegularFile(mergesFile)) throw new TokenizerException(mergesFile + ": no such file (a CLIP tokenizer folder needs vocab.json and merges.txt)");

        Map<String, Integer> vocab = readVocab(vocabFile);
        String[] idToToken = new String[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= idToToken.length)
                throw new TokenizerException(vocabFile + ": id " + id + " of '" + e.getKey() + "' is outside 0.." + (idToToken.length - 1) + " (ids must be 0..size-1)");
            if (idToToken[id] != null)
                throw new TokenizerException(vocabFile + ": id " + id + " is given to both '" + idToToken[id] + "' and '" + e.getKey() + "'");
            idToToken[id] = e.getKey();
        }

        List<String[]> merges = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(mergesFile, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isEmpty() || (no == 1 && line.startsWith("#version"))) continue;
                merges.add(parseMerge(line, mergesFile, no));
                lines.add(no);
            }
        } catch (IOException e) {
            throw new TokenizerException(mergesFile + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (merges.isEmpty()) throw new TokenizerException(mergesFile + ": holds no merges");
        return new ClipTokenizer(folder.toString(), vocabFile, mergesFile, vocab, idToToken, merges, lines);
    }

    /**
     * Reads OpenAI's original distribution, {@code bpe_simple_vocab_16e6.txt.gz} (gzip, or the
     * same text uncompressed): line 1 is a header, lines 2..48895 are the merges used, later
     * lines are ignored. The vocabulary is built as OpenAI's CLIP builds it: the 256 byte
     * symbols, the same with {@code </w>}, one entry per merge, then {@code <|startoftext|>}
     * and {@code <|endoftext|>}.
     *
     * @param file the {@code .txt.gz} file
     * @return the tokenizer
     * @throws TokenizerException when the file is missing, short or malformed
     */
    public static ClipTokenizer fromBpeGz(Path file) {
        try (InputStream raw = Files.newInputStream(file)) {
            return fromBpeStream(raw, file.toString(), file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Name of the bundled vocabulary resource (OpenAI's CLIP BPE merges, MIT licence). */
    public static final String BUNDLED_RESOURCE = "bpe_simple_vocab_16e6.txt.gz";

    /**
     * The CLIP BPE vocabulary bundled with Easel (the same for SD1 and SD2), for single-file
     * checkpoints, which carry no tokenizer files.
     */
    public static ClipTokenizer bundled() {
        try (InputStream raw = ClipTokenizer.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (raw == null) throw new TokenizerException("the bundled CLIP vocabulary (" + BUNDLED_RESOURCE + ") is missing from the classpath");
            return fromBpeStream(raw, "bundled " + BUNDLED_RESOURCE, Path.of(BUNDLED_RESOURCE));
        } catch (IOException e) {
            throw new TokenizerException("cannot read the bundled CLIP vocabulary (" + e.getMessage() + ")", e);
        }
    }

    private static ClipTokenizer fromBpeStream(InputStream source, String name, Path file) throws IOException {
        List<String[]> merges = new ArrayList<>(BPE_GZ_MERGES);
        List<Integer> lines = new ArrayList<>(BPE_GZ_MERGES);
        InputStream raw = new BufferedInputStream(source);
        raw.mark(2);
        boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        String header = r.readLine();
        if (header == null) throw new TokenizerException(name + ": empty file");
        int no = 1;
        String line;
        while (merges.size() < BPE_GZ_MERGES && (line = r.readLine()) != null) {
            no++;
            merges.add(parseMerge(line, file, no));
            lines.add(no);
        }
        if (merges.size() < BPE_GZ_MERGES)
            throw new TokenizerException(name + ": holds " + merges.size() + " merges, expected " + BPE_GZ_MERGES + " (lines 2.." + (BPE_GZ_MERGES + 1) + ")");

        List<String> tokens = new ArrayList<>(2 * 256 + merges.size() + 2);
        List<String> bytes = byteSymbols();
        tokens.addAll(bytes);
        for (String b : bytes) tokens.add(b + WORD_END);
        for (String[] m : merges) tokens.add(m[0] + m[1]);
        tokens.add(START_TOKEN);
        tokens.add(END_TOKEN);
        Map<String, Integer> vocab = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i); // a repeat keeps the later id, as dict(zip(...)) does
        return new ClipTokenizer(name, file, file, vocab, tokens.toArray(new String[0]), merges, lines);
    }

    private static String[] parseMerge(String line, Path file, int no) {
        int sp = line.indexOf(' ');
        if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0)
            throw new TokenizerException(file + ": line " + no + " is not a merge of two symbols separated by one space: '" + line + "'");
        return new String[] {line.substring(0, sp), line.substring(sp + 1)};
    }

    private static Map<String, Integer> readVocab(Path file) {
        Map<String, Integer> vocab = new HashMap<>(1 << 17);
        try (JsonParser p = VOCAB_JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new TokenizerException(file + ": expected a JSON object of token -> id");
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT)
                    throw new TokenizerException(file + ": the id of '" + token + "' is not an integer");
                if (vocab.put(token, p.getIntValue()) != null)
                    throw new TokenizerException(file + ": token '" + token + "' is listed twice");
            }
            if (t != JsonToken.END_OBJECT) throw new TokenizerException(file + ": expected a JSON object of token -> id");
        } catch (IOException e) {
            throw new TokenizerException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (vocab.isEmpty()) throw new TokenizerException(file + ": the vocabulary is empty");
        return vocab;
    }

    // ---------------------------------------------------------------------------------------
    // Encoding

    /**
     * The BPE ids of a prompt as SD1's tokenizer gives them: no start or end token, no
     * truncation. The literal texts {@code <|startoftext|>} and {@code <|endoftext|>} in the
     * prompt become their special ids.
     *
     * @param prompt any text; {@code null} is not allowed
     * @return the token ids
     */
    public int[] encode(String prompt) {
        return encode(prompt, Padding.SD1);
    }

    /**
     * The BPE ids of a prompt as the tokenizer of the given model family gives them. They differ
     * only where the prompt holds "!": SD2's tokenizer (diffusers/transformers, pad token "!")
     * treats each "!" as an added token, id 0, so {@code "wow!!"} is {@code [wow, 0, 0]} for
     * SD2 but {@code [wow, !!</w>]} for SD1.
     *
     * @param prompt any text; {@code null} is not allowed
     * @param padding the model family
     * @return the token ids, no start or end token, no truncation
     */
    public int[] encode(String prompt, Padding padding) {
        String text = normalize(prompt);
        IntList out = new IntList(Math.max(8, text.length() / 3));
        Matcher special = (padding == Padding.SD2 ? SPECIAL_SD2 : SPECIAL).matcher(text);
        int pos = 0;
        while (special.find()) {
            encodeSegment(text.substring(pos, special.start()), out);
            String s = special.group();
            out.add(s.equals(START_TOKEN) ? startId : s.equals(END_TOKEN) ? endId : byteId['!']);
            pos = special.end();
        }
        encodeSegment(text.substring(pos), out);
        return out.toArray();
    }

    private void encodeSegment(String segment, IntList out) {
        Matcher m = PRE_TOKENIZER.matcher(segment);
        while (m.find()) out.addAll(bpe(m.group()));
    }

    /**
     * NFC, every run of (Unicode) whitespace to one space, trimmed, lower-cased one code point at
     * a time (full case mapping, no context-dependent final sigma), as the reference normaliser.
     */
    static String normalize(String prompt) {
        String s = Normalizer.normalize(prompt, Normalizer.Form.NFC);
        s = WHITESPACE.matcher(s).replaceAll(" ").strip();
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp < 128) {
                sb.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else {
                sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            }
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /** BPE of one pre-tokenized word: UTF-8 bytes as symbols, the last one marked with </w>. */
    private int[] bpe(String word) {
        int[] cached = cache.get(word);
        if (cached != null) return cached;
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        int[] sym = new int[n];
        for (int i = 0; i < n; i++) sym[i] = byteId[bytes[i] & 0xff];
        sym[n - 1] = byteEndId[bytes[n - 1] & 0xff];
        while (n > 1) {
            // 1. the best-ranked adjacent pair
            int best = Integer.MAX_VALUE;
            for (int i = 0; i < n - 1; i++) {
                int r = ranks.get(sym[i], sym[i + 1]);
                if (r >= 0 && r < best) best = r;
            }
            if (best == Integer.MAX_VALUE) break;
            // 2. merge each of its occurrences, left to right
            int a = mergeFirst[best], b = mergeSecond[best], merged = mergeResult[best];
            int w = 0;
            for (int i = 0; i < n; ) {
                if (i < n - 1 && sym[i] == a && sym[i + 1] == b) {
                    sym[w++] = merged;
                    i += 2;
                } else {
                    sym[w++] = sym[i++];
                }
            }
            n = w;
        }
        int[] result = Arrays.copyOf(sym, n);
        if (cache.size() >= CACHE_LIMIT) cache.clear();
        cache.put(word, result);
        return result;
    }

    /**
     * One 77-token window: start token, the first 75 tokens, end token, padded.
     *
     * @param prompt the prompt; tokens past the 75th are dropped
     * @param padding SD1 or SD2 padding
     * @return 77 ids
     */
    public long[] ids(String prompt, Padding padding) {
        int[] tokens = encode(prompt, padding);
        return window(tokens, 0, Math.min(tokens.length, CHUNK_TOKENS), padding);
    }

    /**
     * SD1's input ids: 49406, the first 75 tokens, 49407, padded to 77 with 49407.
     *
     * @param prompt the prompt
     * @return 77 ids
     */
    public long[] sd1Ids(String prompt) { return ids(prompt, Padding.SD1); }

    /**
     * SD2's input ids: 49406, the first 75 tokens (each "!" its own token 0, see
     * {@link #encode(String, Padding)}), 49407, padded to 77 with 0.
     *
     * @param prompt the prompt
     * @return 77 ids
     */
    public long[] sd2Ids(String prompt) { return ids(prompt, Padding.SD2); }

    /**
     * A long prompt as consecutive 75-token chunks, each wrapped in start and end tokens and
     * padded to 77; an empty prompt gives one chunk. The text encoder encodes each on its own
     * and the encodings are concatenated along the sequence axis.
     *
     * @param prompt the prompt
     * @param padding SD1 or SD2 padding
     * @return at least one 77-id chunk
     */
    public List<long[]> chunks(String prompt, Padding padding) {
        return chunks(prompt, padding, ChunkBoundary.EVERY_75_TOKENS);
    }

    /**
     * As {@link #chunks(String, Padding)}, with a choice of where chunks are cut.
     *
     * @param prompt the prompt
     * @param padding SD1 or SD2 padding
     * @param boundary {@link ChunkBoundary#EVERY_75_TOKENS} (the default) or A1111's comma rule
     *     (which changes nothing for a vocabulary without {@code ,</w>})
     * @return at least one 77-id chunk
     */
    public List<long[]> chunks(String prompt, Padding padding, ChunkBoundary boundary) {
        int[] tokens = encode(prompt, padding);
        List<long[]> out = new ArrayList<>();
        if (boundary == ChunkBoundary.A1111_COMMA_BACKTRACK && commaId >= 0) {
            for (int[] piece : commaBacktrackPieces(tokens)) out.add(window(piece, 0, piece.length, padding));
        } else {
            for (int i = 0; i < tokens.length; i += CHUNK_TOKENS)
                out.add(window(tokens, i, Math.min(tokens.length, i + CHUNK_TOKENS), padding));
            if (out.isEmpty()) out.add(window(tokens, 0, 0, padding));
        }
        return Collections.unmodifiableList(out);
    }

    /** A1111's {@code tokenize_line} chunking (without its BREAK keyword and weights). */
    private int[][] commaBacktrackPieces(int[] tokens) {
        List<int[]> pieces = new ArrayList<>();
        int[] chunk = new int[CHUNK_TOKENS];
        int len = 0, lastComma = -1;
        for (int t : tokens) {
            if (t == commaId) {
                lastComma = len;
            } else if (len == CHUNK_TOKENS && lastComma != -1 && len - lastComma <= COMMA_BACKTRACK) {
                int cut = lastComma + 1;
                pieces.add(Arrays.copyOf(chunk, cut));
                int[] moved = Arrays.copyOfRange(chunk, cut, len);
                System.arraycopy(moved, 0, chunk, 0, moved.length);
                len = moved.length;
                lastComma = -1;
            }
            if (len == CHUNK_TOKENS) {
                pieces.add(Arrays.copyOf(chunk, len));
                len = 0;
                lastComma = -1;
            }
            chunk[len++] = t;
        }
        if (len > 0 || pieces.isEmpty()) pieces.add(Arrays.copyOf(chunk, len));
        return pieces.toArray(new int[0][]);
    }

    /**
     * Extends a chunk list to {@code count} chunks with the chunk of the empty prompt, so that
     * the unconditional prompt has as many chunks as the conditional one.
     *
     * @param chunks chunks from {@link #chunks}
     * @param count the wanted number of chunks, at least {@code chunks.size()}
     * @param padding the padding the chunks were made with
     * @return a new list of {@code count} chunks
     * @throws IllegalArgumentException when {@code chunks} already has more than {@code count}
     */
    public List<long[]> padChunks(List<long[]> chunks, int count, Padding padding) {
        if (chunks.size() > count)
            throw new IllegalArgumentException("cannot pad " + chunks.size() + " prompt chunks to " + count + ": pad the other prompt to " + chunks.size() + " instead");
        List<long[]> out = new ArrayList<>(chunks);
        while (out.size() < count) out.add(window(new int[0], 0, 0, padding));
        return Collections.unmodifiableList(out);
    }

    private long[] window(int[] tokens, int from, int to, Padding padding) {
        long pad = padding == Padding.SD1 ? endId : 0;
        long[] ids = new long[MAX_LENGTH];
        Arrays.fill(ids, pad);
        ids[0] = startId;
        for (int i = from; i < to; i++) ids[1 + i - from] = tokens[i];
        ids[1 + to - from] = endId;
        return ids;
    }

    // ---------------------------------------------------------------------------------------
    // Decoding and vocabulary

    /**
     * Text of token ids, for debugging: the symbols' bytes as UTF-8 (invalid sequences become
     * U+FFFD), each {@code </w>} a space, trimmed. Special tokens appear as their text.
     *
     * @param ids token ids
     * @return the text
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (id < 0 || id >= idToToken.length)
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (idToToken.length - 1) + ")");
            String token = idToToken[id];
            for (int i = 0; i < token.length(); i++) {
                Integer b = CHAR_BYTE.get(token.charAt(i));
                if (b != null) bytes.write(b);
                else bytes.writeBytes(String.valueOf(token.charAt(i)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8).replace(WORD_END, " ").strip();
    }

    /** @return the number of entries in the vocabulary (49408 for CLIP) */
    public int vocabSize() { return idToToken.length; }

    /** @return the id of {@code <|startoftext|>} (49406 for CLIP) */
    public int startId() { return startId; }

    /** @return the id of {@code <|endoftext|>} (49407 for CLIP) */
    public int endId() { return endId; }

    /**
     * @param id a token id
     * @return the vocabulary entry, in byte-level symbols (e.g. {@code "cat</w>"})
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String token(int id) {
        if (id < 0 || id >= idToToken.length)
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (idToToken.length - 1) + ")");
        return idToToken[id];
    }

    /**
     * The merges in rank order (best first), each as the two byte-level symbols it joins: the
     * lines of a {@code merges.txt} after its {@code #version} header. With {@link #token} over
     * 0..{@link #vocabSize()}-1 this is everything needed to write the tokenizer as a
     * transformers folder that reads back as this tokenizer.
     *
     * @return {@code {first, second}} pairs
     */
    public List<String[]> merges() {
        List<String[]> out = new ArrayList<>(mergeFirst.length);
        for (int r = 0; r < mergeFirst.length; r++) out.add(new String[] {idToToken[mergeFirst[r]], idToToken[mergeSecond[r]]});
        return out;
    }

    @Override
    public String toString() {
        return "ClipTokenizer[" + source + ", " + idToToken.length + " tokens, " + mergeResult.length + " merges]";
    }

    // ---------------------------------------------------------------------------------------

    /** Open-addressing map from a pair of ids to its merge rank. */
    private static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2)) << 1;
            keys = new long[cap];
            values = new int[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        private static long key(int a, int b) { return ((long) a << 32) | (b & 0xffffffffL); }

        private int slot(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 32) & mask;
        }

        void put(int a, int b, int rank) {
            long k = key(a, b);
            int i = slot(k);
            while (keys[i] != -1L && keys[i] != k) i = (i + 1) & mask;
            keys[i] = k;
            values[i] = rank;
        }

        int get(int a, int b) {
            long k = key(a, b);
            for (int i = slot(k); keys[i] != -1L; i = (i + 1) & mask)
                if (keys[i] == k) return values[i];
            return -1;
        }
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) { a = new int[capacity]; }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] vs) {
            if (n + vs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + vs.length));
            System.arraycopy(vs, 0, a, n, vs.length);
            n += vs.length;
        }

        int[] toArray() { return Arrays.copyOf(a, n); }
    }
}
