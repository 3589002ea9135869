package io.easel.weights;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader (protocols 0 to 5) that executes nothing. Every global the pickle names is
 * checked against a fixed allow-list the moment it is read; the allowed ones are interpreted
 * here (tensor rebuild functions, storage types, dtypes, OrderedDict, set, bytes) or kept as
 * inert placeholders (a few data-only classes found in real training checkpoints, such as numpy
 * scalars). No Java class is ever instantiated by name and no Python callable is ever invoked.
 *
 * <p>Values come out as Java objects: {@code null} (None), {@link Boolean}, {@link Long} or
 * {@link BigInteger}, {@link Double}, {@link String}, {@code byte[]}, {@link ArrayList} (list),
 * {@link Tuple}, {@link LinkedHashMap} (dict, OrderedDict), {@link LinkedHashSet} (set),
 * {@link TensorRef}, {@link Storage}, {@link DTypeValue}, {@link Opaque}.
 */
final class SafeUnpickler {

    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Object get(int i) { return items.get(i); }
        int size() { return items.size(); }
    }

    /** A reference to an allowed global (module.name) and what it is. */
    record Global(String module, String name, Kind kind) {
        String qualified() { return module + "." + name; }
        @Override public String toString() { return qualified(); }
    }

    /** A torch dtype object such as {@code torch.float16}; {@code dtype} is the safetensors name, or null if unsupported. */
    record DTypeValue(String torchName, String dtype) {}

    /** An object of an allowed data-only class; its contents are dropped. */
    record Opaque(String type) {}

    /**
     * A storage as the persistent-id resolver describes it.
     *
     * @param key       the storage's record key (zip) or root key (legacy)
     * @param dtype     safetensors dtype name of the storage elements (U8 for untyped storages)
     * @param numel     elements in this storage (or storage view)
     * @param elemOffset elements from the start of the stored record (non-zero only for legacy storage views)
     */
    record Storage(String key, String dtype, long numel, long elemOffset, String location) {}

    /** A tensor: a strided view of a storage, with sizes and strides in elements of {@code dtype}. */
    record TensorRef(Storage storage, String dtype, long offset, long[] size, long[] stride) {}

    enum Kind {
        REBUILD_TENSOR, REBUILD_TENSOR_V2, REBUILD_TENSOR_V3, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE,
        REBUILD_FROM_TYPE, TENSOR_CLASS, STORAGE_TYPE, DTYPE, ORDERED_DICT, SET, FROZENSET, CODECS_ENCODE,
        TORCH_SIZE, TORCH_DEVICE, INERT
    }

    /** Turns a persistent id into a value (for torch, a {@link Storage}); throws to refuse. */
    interface PersistentResolver { Object resolve(Object pid); }

    /** Bytes in, position known. */
    interface Input {
        int read() throws IOException;            // -1 at end
        byte[] read(long n) throws IOException;   // exactly n bytes or an exception
        long position();
        long remaining();
    }

    // ---- the allow-list ----------------------------------------------------------------
    private static final Map<String, Kind> ALLOWED = new HashMap<>();
    private static final Map<String, String> STORAGE_DTYPES = new HashMap<>();
    private static final Map<String, String> TORCH_DTYPES = new HashMap<>();

    static {
        ALLOWED.put("torch._utils._rebuild_tensor", Kind.REBUILD_TENSOR);
        ALLOWED.put("torch._utils._rebuild_tensor_v2", Kind.REBUILD_TENSOR_V2);
        ALLOWED.put("torch._utils._rebuild_tensor_v3", Kind.REBUILD_TENSOR_V3);
        ALLOWED.put("torch._utils._rebuild_parameter", Kind.REBUILD_PARAMETER);
        ALLOWED.put("torch._utils._rebuild_parameter_with_state", Kind.REBUILD_PARAMETER_WITH_STATE);
        ALLOWED.put("torch._tensor._rebuild_from_type_v2", Kind.REBUILD_FROM_TYPE);
        ALLOWED.put("torch.Tensor", Kind.TENSOR_CLASS);
        ALLOWED.put("torch._tensor.Tensor", Kind.TENSOR_CLASS);
        ALLOWED.put("torch.nn.parameter.Parameter", Kind.TENSOR_CLASS);
        ALLOWED.put("collections.OrderedDict", Kind.ORDERED_DICT);
        ALLOWED.put("builtins.set", Kind.SET);
        ALLOWED.put("__builtin__.set", Kind.SET);
        ALLOWED.put("builtins.frozenset", Kind.FROZENSET);
        ALLOWED.put("__builtin__.frozenset", Kind.FROZENSET);
        ALLOWED.put("_codecs.encode", Kind.CODECS_ENCODE); // how protocol 2 writes Python 3 bytes
        ALLOWED.put("torch.Size", Kind.TORCH_SIZE);
        ALLOWED.put("torch.device", Kind.TORCH_DEVICE);
        // data-only classes seen in real training checkpoints (Lightning callbacks, numpy scalars);
        // kept as placeholders, never constructed
        for (String np : new String[]{"numpy.core.multiarray", "numpy._core.multiarray"}) {
            ALLOWED.put(np + ".scalar", Kind.INERT);
            ALLOWED.put(np + "._reconstruct", Kind.INERT);
        }
        ALLOWED.put("numpy.dtype", Kind.INERT);
        ALLOWED.put("numpy.ndarray", Kind.INERT);
        ALLOWED.put("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", Kind.INERT);
        ALLOWED.put("lightning.pytorch.callbacks.model_checkpoint.ModelCheckpoint", Kind.INERT);

        String[][] storages = {
            {"FloatStorage", "F32"}, {"HalfStorage", "F16"}, {"BFloat16Storage", "BF16"}, {"DoubleStorage", "F64"},
            {"LongStorage", "I64"}, {"IntStorage", "I32"}, {"ShortStorage", "I16"}, {"CharStorage", "I8"},
            {"ByteStorage", "U8"}, {"BoolStorage", "BOOL"}, {"UntypedStorage", "U8"},
            // known to torch but not supported here: refused with their name when used
            {"ComplexFloatStorage", null}, {"ComplexDoubleStorage", null}, {"QInt8Storage", null}, {"QUInt8Storage", null},
            {"QInt32Storage", null}, {"QUInt4x2Storage", null}, {"QUInt2x4Storage", null}};
        for (String[] s : storages) {
            ALLOWED.put("torch." + s[0], Kind.STORAGE_TYPE);
            STORAGE_DTYPES.put(s[0], s[1]);
        }
        String[][] dtypes = {
            {"float32", "F32"}, {"float", "F32"}, {"float16", "F16"}, {"half", "F16"}, {"bfloat16", "BF16"},
            {"float64", "F64"}, {"double", "F64"}, {"int64", "I64"}, {"long", "I64"}, {"int32", "I32"}, {"int", "I32"},
            {"int16", "I16"}, {"short", "I16"}, {"int8", "I8"}, {"uint8", "U8"}, {"bool", "BOOL"},
            {"complex64", null}, {"cfloat", null}, {"complex128", null}, {"cdouble", null}, {"complex32", null},
            {"float8_e4m3fn", null}, {"float8_e5m2", null}, {"float8_e4m3fnuz", null}, {"float8_e5m2fnuz", null},
            {"uint16", null}, {"uint32", null}, {"uint64", null}, {"qint8", null}, {"quint8", null}, {"qint32", null}};
        for (String[] d : dtypes) {
            ALLOWED.put("torch." + d[0], Kind.DTYPE);
            TORCH_DTYPES.put(d[0], d[1]);
        }
    }

    /** The safetensors dtype of a storage type name like {@code HalfStorage}, or null. */
    static String storageDtype(Global g) { return STORAGE_DTYPES.get(g.name()); }

    // ---- opcodes -------------------------------------------------------------------------
    private static final int MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I',
        BININT = 'J', BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P', BINPERSID = 'Q',
        REDUCE = 'R', STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U', UNICODE = 'V', BINUNICODE = 'X',
        APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g',
        BINGET = 'h', INST = 'i', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p',
        BINPUT = 'q', LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u',
        BINFLOAT = 'G',
        PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85, TUPLE2 = 0x86,
        TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
        BINBYTES = 'B', SHORT_BINBYTES = 'C',
        SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90,
        FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
        BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97, READONLY_BUFFER = 0x98;

    private final String file;
    private final Input in;
    private final PersistentResolver resolver;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private SafeUnpickler(String file, Input in, PersistentResolver resolver) {
        this.file = file; this.in = in; this.resolver = resolver;
    }

    /**
     * Reads one pickle from {@code in}, stopping after its STOP opcode.
     *
     * @param file used in messages (the checkpoint path, or path plus entry name)
     */
    static Object load(String file, Input in, PersistentResolver resolver) {
        SafeUnpickler u = new SafeUnpickler(file, in, resolver);
        try {
            return u.run();
        } catch (IOException e) {
            throw new WeightsException(file + ": cannot read the pickle (" + e.getMessage() + ")", e);
        } catch (ClassCastException | IndexOutOfBoundsException | ArithmeticException | IllegalArgumentException e) {
            throw new WeightsException(file + ": malformed pickle near byte " + u.in.position() + " (" + e.getMessage() + ")", e);
        }
    }

    private WeightsException bad(String what) {
        return new WeightsException(file + ": malformed pickle near byte " + in.position() + " (" + what + ")");
    }

    private Object run() throws IOException {
        while (true) {
            long at = in.position();
            int op = in.read();
            if (op < 0) throw bad("ends without a STOP opcode");
            switch (op) {
                case PROTO -> {
                    int v = u8();
                    if (v > 5) throw bad("unsupported pickle protocol " + v);
                }
                case FRAME -> len8(); // frames only group opcodes: read straight through
                case STOP -> { return pop(); }
                // -- constants
                case NONE -> push(null);
                case NEWTRUE -> push(Boolean.TRUE);
                case NEWFALSE -> push(Boolean.FALSE);
                case BININT -> push((long) le(4).getInt());
                case BININT1 -> push((long) u8());
                case BININT2 -> push((long) (le(2).getShort() & 0xFFFF));
                case LONG1 -> push(longFrom(in.read(u8())));
                case LONG4 -> push(longFrom(in.read(len4())));
                case INT -> {
                    String s = line();
                    if (s.equals("01")) push(Boolean.TRUE);
                    else if (s.equals("00")) push(Boolean.FALSE);
                    else push(intValue(new BigInteger(s.trim())));
                }
                case LONG -> {
                    String s = line().trim();
                    if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
                    push(intValue(new BigInteger(s)));
                }
                case BINFLOAT -> push(ByteBuffer.wrap(in.read(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case FLOAT -> push(Double.parseDouble(line().trim()));
                // -- strings and bytes (py2 str decodes as UTF-8, as torch.load asks)
                case SHORT_BINUNICODE -> push(utf8(in.read(u8())));
                case BINUNICODE -> push(utf8(in.read(len4())));
                case BINUNICODE8 -> push(utf8(in.read(len8())));
                case UNICODE -> push(rawUnicodeEscape(line()));
                case SHORT_BINSTRING -> push(utf8(in.read(u8())));
                case BINSTRING -> push(utf8(in.read(le(4).getInt() & 0xFFFFFFFFL)));
                case STRING -> push(pyStringLiteral(line()));
                case SHORT_BINBYTES -> push(in.read(u8()));
                case BINBYTES -> push(in.read(len4()));
                case BINBYTES8, BYTEARRAY8 -> push(in.read(len8()));
                // -- containers
                case EMPTY_DICT -> push(new LinkedHashMap<>());
                case EMPTY_LIST -> push(new ArrayList<>());
                case EMPTY_TUPLE -> push(new Tuple(List.of()));
                case EMPTY_SET -> push(new LinkedHashSet<>());
                case MARK -> marks.add(stack.size());
                case TUPLE -> push(new Tuple(popMark()));
                case TUPLE1 -> { Object a = pop(); push(tuple(a)); }
                case TUPLE2 -> { Object b = pop(), a = pop(); push(tuple(a, b)); }
                case TUPLE3 -> { Object c = pop(), b = pop(), a = pop(); push(tuple(a, b, c)); }
                case LIST -> push(new ArrayList<>(popMark()));
                case DICT -> {
                    List<Object> kv = popMark();
                    Map<Object, Object> d = new LinkedHashMap<>();
                    setItems(d, kv);
                    push(d);
                }
                case FROZENSET -> push(new LinkedHashSet<>(popMark()));
                case APPEND -> { Object v = pop(); append(top(), List.of(nullSafe(v))); }
                case APPENDS -> { List<Object> vs = popMark(); append(top(), vs); }
                case SETITEM -> { Object v = pop(), k = pop(); setItems(top(), Arrays.asList(k, v)); }
                case SETITEMS -> { List<Object> kv = popMark(); setItems(top(), kv); }
                case ADDITEMS -> {
                    List<Object> vs = popMark();
                    Object s = top();
                    if (!(s instanceof Set<?>)) throw bad("ADDITEMS on a " + typeName(s));
                    @SuppressWarnings("unchecked") Set<Object> set = (Set<Object>) s;
                    set.addAll(vs);
                }
                // -- stack and memo
                case POP -> {
                    if (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size()) popMark();
                    else pop();
                }
                case POP_MARK -> popMark();
                case DUP -> push(top());
                case PUT -> memoPut(Long.parseLong(line().trim()));
                case BINPUT -> memoPut(u8());
                case LONG_BINPUT -> memoPut(le(4).getInt() & 0xFFFFFFFFL);
                case MEMOIZE -> memoPut(memo.size());
                case GET -> memoGet(Long.parseLong(line().trim()));
                case BINGET -> memoGet(u8());
                case LONG_BINGET -> memoGet(le(4).getInt() & 0xFFFFFFFFL);
                // -- globals: checked here, the moment they are named
                case GLOBAL -> {
                    String module = line(), name = line();
                    push(global(module, name));
                }
                case STACK_GLOBAL -> {
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw bad("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case INST -> {
                    String module = line(), name = line();
                    Global g = global(module, name);
                    push(call(g, new Tuple(popMark())));
                }
                case OBJ -> {
                    List<Object> items = popMark();
                    if (items.isEmpty()) throw bad("OBJ without a class");
                    push(call(items.get(0), new Tuple(items.subList(1, items.size()))));
                }
                case EXT1, EXT2, EXT4 -> throw new WeightsException(file + ": refuses to load: the pickle uses the copyreg extension registry (EXT opcodes); only tensors and plain containers are allowed");
                case NEXT_BUFFER, READONLY_BUFFER -> throw new WeightsException(file + ": refuses to load: the pickle uses out-of-band buffers (protocol 5); only tensors and plain containers are allowed");
                // -- calls: only on allowed globals, interpreted, never executed
                case REDUCE -> {
                    Object args = pop(), fn = pop();
                    if (!(args instanceof Tuple t)) throw bad("REDUCE arguments are a " + typeName(args) + ", not a tuple");
                    push(call(fn, t));
                }
                case NEWOBJ -> {
                    Object args = pop(), cls = pop();
                    if (!(args instanceof Tuple t)) throw bad("NEWOBJ arguments are a " + typeName(args) + ", not a tuple");
                    push(newObject(cls, t));
                }
                case NEWOBJ_EX -> {
                    Object kwargs = pop(), args = pop(), cls = pop();
                    if (!(args instanceof Tuple t) || !(kwargs instanceof Map<?, ?>)) throw bad("NEWOBJ_EX needs a tuple and a dict");
                    push(newObject(cls, t));
                }
                case BUILD -> {
                    pop(); // the state: dropped, since no allowed object keeps Python-level state that matters here
                    Object obj = top();
                    if (obj instanceof Global g) throw bad("BUILD on the class " + g);
                }
                case PERSID -> push(resolver.resolve(line()));
                case BINPERSID -> push(resolver.resolve(pop()));
                default -> throw bad(String.format("unknown opcode 0x%02x at byte %d", op, at));
            }
        }
    }

    // ---- interpreting the allowed callables ------------------------------------------------

    private Global global(String module, String name) {
        String q = module + "." + name;
        Kind k = ALLOWED.get(q);
        if (k == null) throw new WeightsException(file + ": refuses to load: the pickle references " + q + "; only tensors and plain containers are allowed");
        return new Global(module, name, k);
    }

    private Object newObject(Object cls, Tuple args) {
        if (!(cls instanceof Global g)) throw bad("NEWOBJ on a " + typeName(cls));
        return switch (g.kind()) {
            case INERT -> new Opaque(g.qualified());
            case ORDERED_DICT -> new LinkedHashMap<>();
            case SET, FROZENSET -> new LinkedHashSet<>();
            default -> throw bad("NEWOBJ on " + g + ", which is not a class this reader builds");
        };
    }

    private Object call(Object fn, Tuple a) {
        if (!(fn instanceof Global g)) throw bad("REDUCE calls a " + typeName(fn) + ", not an allowed global");
        switch (g.kind()) {
            case REBUILD_TENSOR: // (storage, storage_offset, size, stride)
                return tensor(a.get(0), null, a.get(1), a.get(2), a.get(3));
            case REBUILD_TENSOR_V2: // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                return tensor(a.get(0), null, a.get(1), a.get(2), a.get(3));
            case REBUILD_TENSOR_V3: // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
                return tensor(a.get(0), a.get(6), a.get(1), a.get(2), a.get(3));
            case REBUILD_PARAMETER: // (data, requires_grad, backward_hooks)
            case REBUILD_PARAMETER_WITH_STATE: { // (data, requires_grad, backward_hooks, state)
                Object data = a.get(0);
                if (!(data instanceof TensorRef)) throw bad(g + " on a " + typeName(data) + ", not a tensor");
                return data;
            }
            case REBUILD_FROM_TYPE: { // (func, new_type, args, state): func(*args), then the type and state are dropped
                Object type = a.get(1);
                if (!(type instanceof Global t) || t.kind() != Kind.TENSOR_CLASS) throw bad(g + " for the type " + type);
                if (!(a.get(2) instanceof Tuple inner)) throw bad(g + " without an argument tuple");
                return call(a.get(0), inner);
            }
            case ORDERED_DICT: {
                Map<Object, Object> d = new LinkedHashMap<>();
                if (a.size() > 0) {
                    Object items = a.get(0);
                    if (items instanceof Map<?, ?> m) d.putAll(m);
                    else if (items instanceof List<?> l) {
                        for (Object p : l) {
                            List<Object> kv = p instanceof Tuple t ? t.items() : p instanceof List<?> pl ? new ArrayList<>(pl) : null;
                            if (kv == null || kv.size() != 2) throw bad("OrderedDict item is not a pair");
                            d.put(kv.get(0), kv.get(1));
                        }
                    } else throw bad("OrderedDict from a " + typeName(items));
                }
                return d;
            }
            case SET:
            case FROZENSET: {
                Set<Object> s = new LinkedHashSet<>();
                if (a.size() > 0) {
                    Object items = a.get(0);
                    if (items instanceof List<?> l) s.addAll(l);
                    else if (items instanceof Tuple t) s.addAll(t.items());
                    else if (items instanceof Set<?> o) s.addAll(o);
                    else throw bad("set from a " + typeName(items));
                }
                return s;
            }
            case CODECS_ENCODE: { // _codecs.encode(text, 'latin1') is how protocol 2 stores bytes
                if (!(a.get(0) instanceof String s)) throw bad("_codecs.encode of a " + typeName(a.get(0)));
                String enc = a.size() > 1 && a.get(1) instanceof String e ? e.toLowerCase().replace('-', '_') : "utf_8";
                return switch (enc) {
                    case "latin1", "latin_1", "iso8859_1", "iso_8859_1" -> s.getBytes(StandardCharsets.ISO_8859_1);
                    case "utf8", "utf_8" -> s.getBytes(StandardCharsets.UTF_8);
                    case "ascii" -> s.getBytes(StandardCharsets.US_ASCII);
                    default -> throw bad("_codecs.encode with encoding " + enc);
                };
            }
            case TORCH_SIZE:
                if (a.size() == 0) return new Tuple(List.of());
                if (a.get(0) instanceof Tuple t) return t;
                if (a.get(0) instanceof List<?> l) return new Tuple(new ArrayList<>(l));
                throw bad("torch.Size of a " + typeName(a.get(0)));
            case TORCH_DEVICE: {
                StringBuilder s = new StringBuilder(String.valueOf(a.size() > 0 ? a.get(0) : "cpu"));
                if (a.size() > 1 && a.get(1) != null) s.append(':').append(a.get(1));
                return s.toString();
            }
            case INERT:
                return new Opaque(g.qualified());
            default:
                throw bad("calls " + g + ", which is not a callable this reader rebuilds");
        }
    }

    private TensorRef tensor(Object storage, Object dtype, Object offset, Object size, Object stride) {
        if (!(storage instanceof Storage s)) throw bad("tensor rebuilt from a " + typeName(storage) + ", not a storage");
        String dt = s.dtype();
        if (dtype != null) {
            if (!(dtype instanceof DTypeValue d)) throw bad("tensor dtype is a " + typeName(dtype));
            if (d.dtype() == null) throw new WeightsException(file + ": tensor dtype torch." + d.torchName() + " is not supported");
            dt = d.dtype();
        }
        long[] sz = longs(size, "size"), st = longs(stride, "stride");
        if (sz.length != st.length) throw bad("tensor size " + Arrays.toString(sz) + " and stride " + Arrays.toString(st) + " differ in length");
        if (!(offset instanceof Long off) || off < 0) throw bad("tensor storage offset is " + offset);
        return new TensorRef(s, dt, off, sz, st);
    }

    private long[] longs(Object o, String what) {
        List<Object> items = o instanceof Tuple t ? t.items() : o instanceof List<?> l ? new ArrayList<>(l) : null;
        if (items == null) throw bad("tensor " + what + " is a " + typeName(o));
        long[] r = new long[items.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(items.get(i) instanceof Long v) || v < 0) throw bad("tensor " + what + " holds " + items.get(i));
            r[i] = v;
        }
        return r;
    }

    private void append(Object target, List<Object> values) {
        if (target instanceof List<?>) {
            @SuppressWarnings("unchecked") List<Object> l = (List<Object>) target;
            for (Object v : values) l.add(v == NULL ? null : v);
        } else if (!(target instanceof Opaque)) {
            throw bad("APPEND to a " + typeName(target));
        }
    }

    private void setItems(Object target, List<Object> kv) {
        if (kv.size() % 2 != 0) throw bad("odd number of items for a dict");
        if (target instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked") Map<Object, Object> m = (Map<Object, Object>) target;
            for (int i = 0; i < kv.size(); i += 2) m.put(kv.get(i), kv.get(i + 1));
        } else if (!(target instanceof Opaque)) {
            throw bad("SETITEM on a " + typeName(target));
        }
    }

    // ---- stack, memo, primitives --------------------------------------------------------

    private static final Object NULL = new Object();
    private static Object nullSafe(Object v) { return v == null ? NULL : v; }

    private void push(Object o) { stack.add(o); }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Object top() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("stack underflow");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw bad("no MARK on the stack");
        int k = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(k, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    private void memoPut(long i) { memo.put(i, top()); }

    private void memoGet(long i) {
        if (!memo.containsKey(i)) throw bad("memo entry " + i + " was never stored");
        push(memo.get(i));
    }

    private static Tuple tuple(Object... a) { return new Tuple(Arrays.asList(a)); }

    private int u8() throws IOException { return in.read(1)[0] & 0xFF; }

    private ByteBuffer le(int n) throws IOException { return ByteBuffer.wrap(in.read(n)).order(ByteOrder.LITTLE_ENDIAN); }

    private long len4() throws IOException { return le(4).getInt() & 0xFFFFFFFFL; }

    private long len8() throws IOException {
        long n = le(8).getLong();
        if (n < 0) throw bad("negative length");
        return n;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) throw bad("line runs past the end");
            if (c == '\n') return sb.toString();
            if (sb.length() > 1 << 20) throw bad("line longer than 1 MB");
            sb.append((char) c);
        }
    }

    private static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    /** LONG1/LONG4 payload: little-endian two's complement. */
    private static Object longFrom(byte[] b) {
        if (b.length == 0) return 0L;
        byte[] be = new byte[b.length];
        for (int i = 0; i < b.length; i++) be[i] = b[b.length - 1 - i];
        return intValue(new BigInteger(be));
    }

    private static Object intValue(BigInteger v) { return v.bitLength() < 64 ? (Object) v.longValue() : v; }

    /** Protocol 0 UNICODE: raw-unicode-escape, where only {@code \\uXXXX} and {@code \\UXXXXXXXX} are escapes. */
    private static String rawUnicodeEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 5 < s.length() && s.charAt(i + 1) == 'u') {
                sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16)); i += 5;
            } else if (c == '\\' && i + 9 < s.length() && s.charAt(i + 1) == 'U') {
                sb.appendCodePoint(Integer.parseInt(s.substring(i + 2, i + 10), 16)); i += 9;
            } else sb.append(c);
        }
        return sb.toString();
    }

    /** Protocol 0 STRING: a quoted Python literal with backslash escapes. */
    private String pyStringLiteral(String s) {
        s = s.trim();
        if (s.length() < 2 || s.charAt(0) != s.charAt(s.length() - 1) || (s.charAt(0) != '\'' && s.charAt(0) != '"'))
            throw bad("STRING opcode argument is not quoted");
        s = s.substring(1, s.length() - 1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) { out.write(c); continue; }
            char d = s.charAt(++i);
            switch (d) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case '0' -> out.write(0);
                case 'x' -> { out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16)); i += 2; }
                default -> out.write(d);
            }
        }
        return utf8(out.toByteArray());
    }

    static String typeName(Object o) {
        if (o == null) return "None";
        if (o instanceof Tuple) return "tuple";
        if (o instanceof List<?>) return "list";
        if (o instanceof Map<?, ?>) return "dict";
        if (o instanceof Set<?>) return "set";
        if (o instanceof String) return "str";
        if (o instanceof byte[]) return "bytes";
        if (o instanceof Long || o instanceof BigInteger) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof Boolean) return "bool";
        if (o instanceof TensorRef) return "tensor";
        if (o instanceof Storage) return "storage";
        if (o instanceof Global g) return g.qualified();
        if (o instanceof Opaque p) return p.type();
        if (o instanceof DTypeValue d) return "torch." + d.torchName();
        return o.getClass().getSimpleName();
    }

    // ---- inputs ---------------------------------------------------------------------------

    /** A pickle held in memory. */
    static Input bytes(byte[] data) {
        return new Input() {
            int pos;
            public int read() { return pos < data.length ? data[pos++] & 0xFF : -1; }
            public byte[] read(long n) throws IOException {
                if (n > data.length - pos) throw new IOException("a " + n + "-byte field runs past the end of the pickle");
                byte[] r = Arrays.copyOfRange(data, pos, pos + (int) n);
                pos += (int) n;
                return r;
            }
            public long position() { return pos; }
            public long remaining() { return data.length - pos; }
        };
    }

    /** A pickle read from a file channel starting at {@code start}, buffered. */
    static Input channel(FileChannel ch, long start) throws IOException {
        return new ChannelInput(ch, start, ch.size());
    }

    private static final class ChannelInput implements Input {
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        private long bufStart; // file position of buf[0]

        ChannelInput(FileChannel ch, long start, long size) {
            this.ch = ch; this.size = size; this.bufStart = start;
            buf.limit(0);
        }

        private void fill() throws IOException {
            bufStart += buf.position();
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), size - bufStart));
            ZipDirectory.readFully(ch, buf, bufStart);
            buf.flip();
        }

        @Override public int read() throws IOException {
            if (!buf.hasRemaining()) {
                if (position() >= size) return -1;
                fill();
            }
            return buf.get() & 0xFF;
        }

        @Override public byte[] read(long n) throws IOException {
            if (n > remaining()) throw new IOException("a " + n + "-byte field runs past the end of the file");
            byte[] r = new byte[(int) n];
            int got = 0;
            while (got < n) {
                if (!buf.hasRemaining()) fill();
                int k = Math.min(buf.remaining(), (int) n - got);
                buf.get(r, got, k);
                got += k;
            }
            return r;
        }

        @Override public long position() { return bufStart + buf.position(); }
        @Override public long remaining() { return size - position(); }
    }
}
