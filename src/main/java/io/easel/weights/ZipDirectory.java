package io.easel.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The central directory of a zip archive, read by hand so that the file offset of every entry's
 * data is known (java.util.zip hides it) and STORED entries can be memory-mapped in place.
 * Handles ZIP64, which torch writes for checkpoints above 4 GB.
 */
final class ZipDirectory {
    static final int STORED = 0, DEFLATED = 8;
    private static final int EOCD_SIG = 0x06054b50, EOCD64_SIG = 0x06064b50, LOC64_SIG = 0x07064b50;
    private static final int CEN_SIG = 0x02014b50, LOC_SIG = 0x04034b50;
    /** The central directory is held in memory; real checkpoints have a few megabytes at most. */
    private static final long MAX_DIRECTORY = 256L << 20;

    /** One entry: where its local header starts, how it is stored and how big it is. */
    record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset) {}

    private final Path path;
    private final long fileSize;
    private final Map<String, Entry> entries;

    private ZipDirectory(Path path, long fileSize, Map<String, Entry> entries) {
        this.path = path; this.fileSize = fileSize; this.entries = entries;
    }

    Map<String, Entry> entries() { return entries; }

    static ZipDirectory read(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        // 1. the end-of-central-directory record: 22 bytes plus a comment of at most 65535
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = le(tail);
        readFully(ch, t, size - tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == EOCD_SIG) { eocd = i; break; }
        }
        if (eocd < 0) throw new WeightsException(path + ": not a complete zip archive (no end-of-central-directory record; is the file truncated?)");
        long eocdPos = size - tail + eocd;
        long count = t.getShort(eocd + 10) & 0xFFFF;
        long cdSize = t.getInt(eocd + 12) & 0xFFFFFFFFL;
        long cdOffset = t.getInt(eocd + 16) & 0xFFFFFFFFL;
        // 2. ZIP64: a locator just before the record points at the 64-bit record
        if (eocdPos >= 20) {
            ByteBuffer loc = le(20);
            readFully(ch, loc, eocdPos - 20);
            if (loc.getInt(0) == LOC64_SIG) {
                long rec = loc.getLong(8);
                if (rec < 0 || rec + 56 > eocdPos) throw new WeightsException(path + ": corrupt zip archive (ZIP64 end record offset " + rec + " is out of range)");
                ByteBuffer z = le(56);
                readFully(ch, z, rec);
                if (z.getInt(0) != EOCD64_SIG) throw new WeightsException(path + ": corrupt zip archive (no ZIP64 end record at offset " + rec + ")");
                count = z.getLong(32);
                cdSize = z.getLong(40);
                cdOffset = z.getLong(48);
            }
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > eocdPos)
            throw new WeightsException(path + ": corrupt or truncated zip archive (central directory at " + cdOffset + "+" + cdSize + " lies outside the file)");
        if (cdSize > MAX_DIRECTORY) throw new WeightsException(path + ": zip central directory of " + cdSize + " bytes exceeds the 256 MB limit");
        // 3. the central directory itself
        ByteBuffer cd = le((int) cdSize);
        readFully(ch, cd, cdOffset);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cdSize || cd.getInt(p) != CEN_SIG)
                throw new WeightsException(path + ": corrupt zip archive (central directory entry " + i + " of " + count + " is damaged)");
            int method = cd.getShort(p + 10) & 0xFFFF;
            long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
            long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLen = cd.getShort(p + 28) & 0xFFFF, extraLen = cd.getShort(p + 30) & 0xFFFF, commentLen = cd.getShort(p + 32) & 0xFFFF;
            long local = cd.getInt(p + 42) & 0xFFFFFFFFL;
            if (p + 46L + nameLen + extraLen + commentLen > cdSize)
                throw new WeightsException(path + ": corrupt zip archive (central directory entry " + i + " runs past the directory)");
            byte[] nb = new byte[nameLen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            // ZIP64 extended information: present values replace the 0xFFFFFFFF placeholders, in this order
            int e = p + 46 + nameLen, end = e + extraLen;
            while (e + 4 <= end) {
                int id = cd.getShort(e) & 0xFFFF, len = cd.getShort(e + 2) & 0xFFFF;
                if (id == 1) {
                    int q = e + 4, qe = Math.min(end, q + len);
                    if (usize == 0xFFFFFFFFL && q + 8 <= qe) { usize = cd.getLong(q); q += 8; }
                    if (csize == 0xFFFFFFFFL && q + 8 <= qe) { csize = cd.getLong(q); q += 8; }
                    if (local == 0xFFFFFFFFL && q + 8 <= qe) { local = cd.getLong(q); }
                }
                e += 4 + len;
            }
            entries.put(name, new Entry(name, method, csize, usize, local));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return new ZipDirectory(path, size, Collections.unmodifiableMap(entries));
    }

    /** File offset of the entry's data, from its local header (whose extra field may differ from the central one). */
    long dataOffset(FileChannel ch, Entry e) throws IOException {
        if (e.localHeaderOffset() < 0 || e.localHeaderOffset() + 30 > fileSize)
            throw new WeightsException(path + ": zip entry '" + e.name() + "' lies beyond the end of the file (is the file truncated?)");
        ByteBuffer h = le(30);
        readFully(ch, h, e.localHeaderOffset());
        if (h.getInt(0) != LOC_SIG) throw new WeightsException(path + ": corrupt zip archive (no local header for entry '" + e.name() + "')");
        long data = e.localHeaderOffset() + 30 + (h.getShort(26) & 0xFFFF) + (h.getShort(28) & 0xFFFF);
        if (data + e.compressedSize() > fileSize)
            throw new WeightsException(path + ": zip entry '" + e.name() + "' runs past the end of the file (is the file truncated?)");
        return data;
    }

    /** The entry's uncompressed bytes, read into memory (STORED or DEFLATED only). */
    byte[] readBytes(FileChannel ch, Entry e) throws IOException {
        if (e.size() > Integer.MAX_VALUE - 16 || e.compressedSize() > Integer.MAX_VALUE - 16)
            throw new WeightsException(path + ": zip entry '" + e.name() + "' is too large to read into memory (" + e.size() + " bytes)");
        long off = dataOffset(ch, e);
        ByteBuffer raw = ByteBuffer.allocate((int) e.compressedSize());
        readFully(ch, raw, off);
        if (e.method() == STORED) {
            if (e.compressedSize() != e.size()) throw new WeightsException(path + ": corrupt zip archive (stored entry '" + e.name() + "' has differing sizes)");
            return raw.array();
        }
        if (e.method() != DEFLATED) throw new WeightsException(path + ": zip entry '" + e.name() + "' uses compression method " + e.method() + "; only stored and deflated entries are supported");
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(raw.array());
            byte[] out = new byte[(int) e.size()];
            int n = 0;
            while (n < out.length && !inf.finished()) {
                int r = inf.inflate(out, n, out.length - n);
                if (r == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                n += r;
            }
            if (n != out.length) throw new WeightsException(path + ": zip entry '" + e.name() + "' inflates to " + n + " bytes, not the " + e.size() + " its header says");
            return out;
        } catch (DataFormatException x) {
            throw new WeightsException(path + ": zip entry '" + e.name() + "' is corrupt (" + x.getMessage() + ")");
        } finally {
            inf.end();
        }
    }

    static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

    static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }
}
