package io.easel.weights;

import io.easel.tensor.T;
import io.easel.weights.SafeUnpickler.Global;
import io.easel.weights.SafeUnpickler.Kind;
import io.easel.weights.SafeUnpickler.Storage;
import io.easel.weights.SafeUnpickler.TensorRef;
import io.easel.weights.SafeUnpickler.Tuple;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PyTorch checkpoint ({@code .ckpt}, {@code .pt}, {@code .pth}, {@code .bin}) written by
 * {@code torch.save}, read without Python and without executing anything.
 *
 * <p><b>Formats.</b> The zip format of PyTorch 1.6 and later ({@code <archive>/data.pkl} plus
 * one {@code <archive>/data/<key>} entry per storage) and the legacy format before it (a run of
 * pickles followed by raw storages). Storage data is memory-mapped where it lies uncompressed in
 * the file, which is how torch writes it; deflated entries are read into memory. TorchScript
 * archives ({@code torch.jit.save}) and the tar format of PyTorch 0.3 are refused by name.
 *
 * <p><b>Safety.</b> The pickle is read by a reader that knows only tensor rebuild functions,
 * storage types, dtypes, {@code OrderedDict}, sets and the plain types. Any other global (for
 * example {@code posix.system} or {@code builtins.eval}) is refused the moment it is named, with
 * a message naming it; nothing from the file is ever called or instantiated. A few data-only
 * classes found in real training checkpoints (numpy scalars and arrays, Lightning's
 * {@code ModelCheckpoint} callback state) are accepted as opaque values and dropped.
 *
 * <p><b>Which tensors.</b> The top-level object must be a dict. If it has a {@code state_dict}
 * entry that is itself a dict (as Lightning {@code .ckpt} files and many training scripts
 * write), the tensors are taken from that entry and the rest of the file is skipped; otherwise
 * from the top-level dict. Nested dicts are flattened into dotted keys ({@code {"a": {"b": t}}}
 * gives {@code a.b}); integer keys are written in decimal. Values that are not tensors or dicts
 * (numbers, strings, lists, optimizer states...) are skipped and counted in
 * {@link #ignoredCount()}.
 */
public final class TorchCheckpoint implements TensorSource {
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;
    private static final int MAX_DEPTH = 64;

    /** Where a storage's bytes lie in the file. {@code method} is a zip method; legacy storages are stored. */
    private record Region(String name, long offset, long length, int method, ZipDirectory.Entry entry) {}

    private final Path path;
    private final long fileSize;
    private final Map<String, TensorInfo> infos;
    private final Map<String, TensorRef> refs;
    private final Map<String, Region> regions; // by storage key
    private final ZipDirectory zip;            // null for legacy files
    private final boolean bigEndian;
    private final String rootEntry;
    private final int ignored;
    private Tensor mapping;
    private final Map<String, Tensor> inflated = new HashMap<>();

    private TorchCheckpoint(Path path, long fileSize, Map<String, TensorRef> refs, Map<String, Region> regions,
                            ZipDirectory zip, boolean bigEndian, String rootEntry, int ignored) {
        this.path = path; this.fileSize = fileSize; this.refs = refs; this.regions = regions; this.zip = zip;
        this.bigEndian = bigEndian; this.rootEntry = rootEntry; this.ignored = ignored;
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        refs.forEach((k, r) -> m.put(k, new TensorInfo(k, r.dtype(), r.size().clone())));
        this.infos = Collections.unmodifiableMap(m);
    }

    /**
     * Opens a checkpoint: reads the zip directory and the pickle, checks every tensor against its
     * storage, and maps nothing yet.
     *
     * @throws WeightsException naming the file (and the key or global) when the file is not a
     *         readable torch checkpoint or its pickle references anything but tensors and containers
     */
    public static TorchCheckpoint open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 512));
            ZipDirectory.readFully(ch, head, 0);
            byte[] h = head.array();
            if (startsWith(h, 'P', 'K', 3, 4)) return openZip(path, ch, size);
            if (isLegacyMagic(h)) return openLegacy(path, ch, size);
            if (startsWith(h, 'P', 'K', 5, 6)) throw new WeightsException(path + ": is an empty zip archive, not a PyTorch checkpoint");
            if (h.length >= 262 && new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar"))
                throw new WeightsException(path + ": is a tar-format torch.save file (PyTorch 0.3 or older), which is not supported; re-save it with a recent PyTorch");
            throw new WeightsException(path + ": is not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy torch.save file)");
        } catch (NoSuchFileException e) {
            throw new WeightsException(path + ": no such file");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Whether the file starts like a zip archive ({@code PK\3\4}), the container of every torch.save since PyTorch 1.6. */
    public static boolean looksLikeTorchZip(Path path) {
        byte[] h = head(path, 4);
        return startsWith(h, 'P', 'K', 3, 4);
    }

    /** Whether the file is a zip archive or starts with the magic number of a legacy (pre-1.6) torch.save file. */
    public static boolean looksLikeTorch(Path path) {
        byte[] h = head(path, 14);
        return startsWith(h, 'P', 'K', 3, 4) || isLegacyMagic(h);
    }

    @Override public Path path() { return path; }
    @Override public Map<String, TensorInfo> infos() { return infos; }

    /** {@code "state_dict"} when the tensors were taken from that top-level entry; empty when from the top-level dict. */
    public Optional<String> rootEntry() { return Optional.ofNullable(rootEntry); }

    /** How many non-tensor values the tensor dict held (skipped). */
    public int ignoredCount() { return ignored; }

    /**
     * The tensor under {@code key}, in its stored dtype, shape and strides (a transposed tensor
     * stays a non-contiguous view). Stored little-endian data is a view of a private mapping of
     * the file; it stays valid after {@link #close()} as long as the tensor lives.
     */
    @Override
    public synchronized Tensor load(String key) {
        TensorRef r = refs.get(key);
        if (r == null) throw new WeightsException(path + ": no tensor '" + key + "'");
        ScalarType st = DTypes.scalarType(r.dtype());
        int es = DTypes.size(r.dtype());
        if (T.numel(r.size()) == 0) return torch.empty(r.size(), T.opts(st), null);
        Storage s = r.storage();
        Region g = regions.get(s.key());
        int ses = DTypes.size(s.dtype());
        long start = s.elemOffset() * ses;      // bytes into the record
        long nbytes = s.numel() * ses / es * es; // whole elements of the tensor's dtype
        Tensor bytes;
        long fileOffset;
        try {
            if (g.method() == ZipDirectory.STORED) {
                if (mapping == null)
                    mapping = torch.from_file(path.toString(), new BoolOptional(false), new LongOptional(fileSize), T.opts(ScalarType.Byte));
                fileOffset = g.offset() + start;
                bytes = mapping.narrow(0, fileOffset, nbytes);
            } else {
                Tensor whole = inflated.get(s.key());
                if (whole == null) {
                    byte[] data;
                    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) { // rare: not kept open
                        data = zip.readBytes(ch, g.entry());
                    }
                    whole = torch.empty(new long[]{data.length}, T.opts(ScalarType.Byte), null);
                    if (data.length > 0) whole.data_ptr_byte().capacity(data.length).put(data);
                    inflated.put(s.key(), whole);
                }
                fileOffset = start;
                bytes = whole.narrow(0, start, nbytes);
            }
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read tensor '" + key + "' (" + e.getMessage() + ")", e);
        }
        if (bigEndian && es > 1) bytes = bytes.view(-1, es).flip(1).contiguous().view(-1);
        else if (fileOffset % es != 0) bytes = bytes.clone(); // dtype views need element-aligned offsets
        Tensor elems = bytes.view(st);
        return elems.as_strided(r.size(), r.stride(), new LongOptional(elems.storage_offset() + r.offset()));
    }

    /** Drops this reader's reference to the file mapping; tensors already loaded keep theirs. */
    @Override
    public synchronized void close() {
        if (mapping != null) { mapping.close(); mapping = null; }
        inflated.clear();
    }

    // ---- zip format -------------------------------------------------------------------------

    private static TorchCheckpoint openZip(Path path, FileChannel ch, long size) throws IOException {
        ZipDirectory zd = ZipDirectory.read(path, ch);
        Map<String, ZipDirectory.Entry> entries = zd.entries();
        // 1. the archive folder, from the one <archive>/data.pkl
        List<String> pkls = new ArrayList<>();
        for (String n : entries.keySet()) {
            int slash = n.indexOf('/');
            if (n.endsWith("/data.pkl") && slash == n.length() - 9 || n.equals("data.pkl")) pkls.add(n);
        }
        if (pkls.size() > 1) throw new WeightsException(path + ": holds several pickled archives (" + String.join(", ", pkls) + "); expected one torch.save archive");
        String prefix = pkls.isEmpty() ? null : pkls.get(0).substring(0, pkls.get(0).length() - "data.pkl".length());
        for (String n : entries.keySet()) {
            String rest = prefix == null ? n.substring(n.indexOf('/') + 1) : n.startsWith(prefix) ? n.substring(prefix.length()) : "";
            if (rest.equals("constants.pkl") || rest.startsWith("code/"))
                throw new WeightsException(path + ": is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; load it in Python and save its state_dict() instead");
        }
        if (prefix == null) throw new WeightsException(path + ": is a zip archive but not a PyTorch checkpoint (no <archive>/data.pkl entry)");
        // 2. byte order (absent in older files, which are little-endian)
        boolean big = false;
        ZipDirectory.Entry bo = entries.get(prefix + "byteorder");
        if (bo != null) {
            String order = new String(zd.readBytes(ch, bo), StandardCharsets.US_ASCII).trim();
            if (order.equals("big")) big = true;
            else if (!order.equals("little")) throw new WeightsException(path + ": unknown byte order '" + order + "' in entry '" + bo.name() + "'");
        }
        // 3. the pickle: storages come back as descriptions, the data stays in the zip
        String pklName = prefix + "data.pkl";
        byte[] pkl = zd.readBytes(ch, entries.get(pklName));
        Map<String, Storage> storages = new HashMap<>();
        Object top = SafeUnpickler.load(path.toString(), SafeUnpickler.bytes(pkl), pid -> {
            Tuple t = storageId(path, pid, 5);
            Global type = storageType(path, t.get(1));
            String key = text(path, t.get(2)), loc = text(path, t.get(3));
            long numel = count(path, t.get(4));
            return storages.computeIfAbsent(key, k -> new Storage(k, SafeUnpickler.storageDtype(type), numel, 0, loc));
        });
        Selection sel = select(path, top);
        // 4. every tensor's storage entry exists and is large enough
        Map<String, Region> regions = new HashMap<>();
        for (Map.Entry<String, TensorRef> e : sel.tensors.entrySet()) {
            Storage s = e.getValue().storage();
            if (regions.containsKey(s.key())) continue;
            String name = prefix + "data/" + s.key();
            ZipDirectory.Entry z = entries.get(name);
            if (z == null) throw new WeightsException(path + ": tensor '" + e.getKey() + "' needs zip entry '" + name + "', which is missing (is the file truncated or damaged?)");
            if (z.method() != ZipDirectory.STORED && z.method() != ZipDirectory.DEFLATED)
                throw new WeightsException(path + ": zip entry '" + name + "' uses compression method " + z.method() + "; only stored and deflated entries are supported");
            long off = zd.dataOffset(ch, z);
            regions.put(s.key(), new Region(name, off, z.size(), z.method(), z));
        }
        checkExtents(path, sel.tensors, regions);
        return new TorchCheckpoint(path, size, sel.tensors, regions, zd, big, sel.root, sel.ignored);
    }

    // ---- legacy format (PyTorch < 1.6) --------------------------------------------------------

    private static TorchCheckpoint openLegacy(Path path, FileChannel ch, long size) throws IOException {
        SafeUnpickler.Input in = SafeUnpickler.channel(ch, 0);
        SafeUnpickler.PersistentResolver none = pid -> {
            throw new WeightsException(path + ": malformed legacy torch.save header (unexpected persistent id)");
        };
        Object magic = SafeUnpickler.load(path.toString(), in, none);
        if (!LEGACY_MAGIC.equals(magic)) throw new WeightsException(path + ": is not a PyTorch checkpoint (bad legacy magic number)");
        Object proto = SafeUnpickler.load(path.toString(), in, none);
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(proto)) throw new WeightsException(path + ": unsupported legacy torch.save protocol " + proto);
        Object sysInfo = SafeUnpickler.load(path.toString(), in, none);
        boolean big = sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"));
        // storages by root key; views (rare) become storages with an element offset into their root
        Map<String, Storage> roots = new LinkedHashMap<>();
        Map<String, Storage> views = new HashMap<>();
        Object top = SafeUnpickler.load(path.toString(), in, pid -> {
            if (pid instanceof Tuple t && t.size() > 0 && "module".equals(t.get(0)))
                throw new WeightsException(path + ": refuses to load: the file holds a pickled module (torch.save(model)); only state dicts of tensors are supported");
            Tuple t = storageId(path, pid, 6);
            Global type = storageType(path, t.get(1));
            String rootKey = text(path, t.get(2)), loc = text(path, t.get(3));
            long numel = count(path, t.get(4));
            String dtype = SafeUnpickler.storageDtype(type);
            Storage root = roots.computeIfAbsent(rootKey, k -> new Storage(k, dtype, numel, 0, loc));
            if (t.get(5) == null) return root;
            if (!(t.get(5) instanceof Tuple v) || v.size() != 3) throw new WeightsException(path + ": malformed storage view in the pickle");
            String viewKey = text(path, v.get(0));
            long off = count(path, v.get(1)), n = count(path, v.get(2));
            if (off + n > root.numel()) throw new WeightsException(path + ": storage view '" + viewKey + "' lies outside its storage '" + rootKey + "'");
            return views.computeIfAbsent(viewKey, k -> new Storage(rootKey, root.dtype(), n, off, loc));
        });
        Object keys = SafeUnpickler.load(path.toString(), in, none);
        if (!(keys instanceof List<?> keyList)) throw new WeightsException(path + ": malformed legacy torch.save file (no storage key list)");
        // raw storages follow, in the listed order: an int64 element count, then the elements
        Map<String, Region> regions = new HashMap<>();
        long pos = in.position();
        for (Object k : keyList) {
            String key = text(path, k);
            Storage s = roots.get(key);
            if (s == null) throw new WeightsException(path + ": storage '" + key + "' is listed but no tensor uses it");
            if (pos + 8 > size) throw new WeightsException(path + ": storage '" + key + "' lies beyond the end of the file (is the file truncated?)");
            ByteBuffer nb = ZipDirectory.le(8);
            ZipDirectory.readFully(ch, nb, pos);
            long n = nb.getLong(0);
            int es = DTypes.size(s.dtype());
            if (n != s.numel()) throw new WeightsException(path + ": storage '" + key + "' holds " + n + " elements but the pickle says " + s.numel());
            long len = Math.multiplyExact(n, es);
            if (pos + 8 + len > size) throw new WeightsException(path + ": storage '" + key + "' runs past the end of the file (is the file truncated?)");
            regions.put(key, new Region(key, pos + 8, len, ZipDirectory.STORED, null));
            pos += 8 + len;
        }
        Selection sel = select(path, top);
        for (Map.Entry<String, TensorRef> e : sel.tensors.entrySet())
            if (!regions.containsKey(e.getValue().storage().key()))
                throw new WeightsException(path + ": tensor '" + e.getKey() + "' needs storage '" + e.getValue().storage().key() + "', which the file does not contain");
        checkExtents(path, sel.tensors, regions);
        return new TorchCheckpoint(path, size, sel.tensors, regions, null, big, sel.root, sel.ignored);
    }

    // ---- shared checks ------------------------------------------------------------------------

    private static Tuple storageId(Path path, Object pid, int len) {
        if (!(pid instanceof Tuple t) || t.size() != len || !"storage".equals(textOrNull(t.get(0))))
            throw new WeightsException(path + ": unsupported persistent id in the pickle (" + SafeUnpickler.typeName(pid) + "); expected a torch storage");
        return t;
    }

    private static Global storageType(Path path, Object o) {
        if (!(o instanceof Global g) || g.kind() != Kind.STORAGE_TYPE)
            throw new WeightsException(path + ": persistent id names " + SafeUnpickler.typeName(o) + ", not a torch storage type");
        if (SafeUnpickler.storageDtype(g) == null) throw new WeightsException(path + ": storage type " + g + " is not supported");
        return g;
    }

    /** Each tensor's dtype is supported and its strided extent lies inside its storage, and the storage inside its record. */
    private static void checkExtents(Path path, Map<String, TensorRef> tensors, Map<String, Region> regions) {
        for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
            TensorRef r = e.getValue();
            Storage s = r.storage();
            String where = path + ": tensor '" + e.getKey() + "'";
            if (DTypes.size(r.dtype()) < 0) throw new WeightsException(where + ": unsupported dtype " + r.dtype());
            Region g = regions.get(s.key());
            long storageBytes = Math.multiplyExact(s.numel(), DTypes.size(s.dtype()));
            long recordBytes = Math.multiplyExact(Math.addExact(s.numel(), s.elemOffset()), DTypes.size(s.dtype()));
            if (recordBytes > g.length())
                throw new WeightsException(where + ": '" + g.name() + "' holds " + g.length() + " bytes but its storage needs " + recordBytes);
            if (T.numel(r.size()) == 0) continue;
            long last = r.offset();
            for (int i = 0; i < r.size().length; i++) last = Math.addExact(last, Math.multiplyExact(r.size()[i] - 1, r.stride()[i]));
            long need = Math.multiplyExact(last + 1, DTypes.size(r.dtype()));
            if (need > storageBytes)
                throw new WeightsException(where + ": shape " + Arrays.toString(r.size()) + " with stride " + Arrays.toString(r.stride())
                    + " at offset " + r.offset() + " reaches past the end of its storage (" + storageBytes + " bytes)");
        }
    }

    /** The tensors chosen by the rule in the class comment. */
    private static final class Selection {
        final Map<String, TensorRef> tensors = new LinkedHashMap<>();
        String root;
        int ignored;
    }

    private static Selection select(Path path, Object top) {
        if (!(top instanceof Map<?, ?> m))
            throw new WeightsException(path + ": the pickled object is of type " + SafeUnpickler.typeName(top) + ", not a dict of tensors");
        Selection sel = new Selection();
        Object sd = m.get("state_dict");
        Map<?, ?> root = m;
        if (sd instanceof Map<?, ?> inner) { root = inner; sel.root = "state_dict"; }
        flatten(path, "", root, sel, new IdentityHashMap<>(), 0);
        return sel;
    }

    private static void flatten(Path path, String prefix, Map<?, ?> m, Selection sel, IdentityHashMap<Object, Boolean> open, int depth) {
        if (depth > MAX_DEPTH) throw new WeightsException(path + ": dicts nested deeper than " + MAX_DEPTH + " levels at '" + prefix + "'");
        if (open.put(m, Boolean.TRUE) != null) throw new WeightsException(path + ": the dict at '" + prefix + "' contains itself");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = keyText(e.getKey());
            Object v = e.getValue();
            if (k == null) { sel.ignored++; continue; }
            String key = prefix + k;
            if (v instanceof TensorRef r) {
                if (sel.tensors.put(key, r) != null) throw new WeightsException(path + ": tensor key '" + key + "' occurs twice after flattening nested dicts");
            } else if (v instanceof Map<?, ?> inner) {
                flatten(path, key + ".", inner, sel, open, depth + 1);
            } else {
                sel.ignored++;
            }
        }
        open.remove(m);
    }

    private static String keyText(Object k) {
        if (k instanceof String s) return s;
        if (k instanceof Long || k instanceof BigInteger) return k.toString();
        if (k instanceof byte[] b) return new String(b, StandardCharsets.ISO_8859_1);
        return null;
    }

    private static String textOrNull(Object o) {
        if (o instanceof String s) return s;
        if (o instanceof byte[] b) return new String(b, StandardCharsets.US_ASCII);
        return null;
    }

    private static String text(Path path, Object o) {
        String s = textOrNull(o);
        if (s == null) throw new WeightsException(path + ": malformed storage reference in the pickle (expected a string, got " + SafeUnpickler.typeName(o) + ")");
        return s;
    }

    private static long count(Path path, Object o) {
        if (!(o instanceof Long n) || n < 0) throw new WeightsException(path + ": storage size is " + SafeUnpickler.typeName(o) + " " + o + ", not a count");
        return n;
    }

    private static boolean isLegacyMagic(byte[] h) {
        // PROTO 2, LONG1 10 bytes: 0x1950a86a20f9469cfc6c little-endian
        return startsWith(h, 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);
    }

    private static boolean startsWith(byte[] h, int... sig) {
        if (h.length < sig.length) return false;
        for (int i = 0; i < sig.length; i++) if ((h[i] & 0xFF) != sig[i]) return false;
        return true;
    }

    private static byte[] head(Path path, int n) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, ch.size()));
            ZipDirectory.readFully(ch, b, 0);
            return b.array();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
