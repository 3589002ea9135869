package io.easel.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import io.easel.tensor.T;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header, then raw
 * little-endian tensor data. Reading validates the whole header before anything is mapped;
 * tensor data is memory-mapped (copy-on-write) and viewed without a copy where aligned.
 */
public final class SafeTensors implements TensorSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers above this are refused: real files have headers of a few hundred kilobytes. */
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final long fileSize;
    private final long dataStart;
    private final Map<String, TensorInfo> infos;
    private final Map<String, long[]> offsets;
    private final Map<String, String> metadata;
    private Tensor mapping;

    private SafeTensors(Path path, long fileSize, long dataStart, Map<String, TensorInfo> infos,
                        Map<String, long[]> offsets, Map<String, String> metadata) {
        this.path = path; this.fileSize = fileSize; this.dataStart = dataStart;
        this.infos = infos; this.offsets = offsets; this.metadata = metadata;
    }

    /** Opens and validates the header of a safetensors file. */
    public static SafeTensors open(Path path) {
        long size;
        byte[] header;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < 8) throw new WeightsException(path + ": not a safetensors file (" + size + " bytes, shorter than the 8-byte header length)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n <= 0 || n > size - 8)
                throw new WeightsException(path + ": header length " + Long.toUnsignedString(n) + " is larger than the file (" + size + " bytes)");
            if (n > MAX_HEADER) throw new WeightsException(path + ": header length " + n + " exceeds the 100 MB limit");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            header = hb.array();
        } catch (NoSuchFileException e) {
            throw new WeightsException(path + ": no such file");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        return parse(path, size, header);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }

    private static SafeTensors parse(Path path, long size, byte[] header) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (IOException e) {
            throw new WeightsException(path + ": header is not valid JSON (" + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()) + ")");
        }
        if (root == null || !root.isObject()) throw new WeightsException(path + ": header is not a JSON object");
        long dataStart = 8 + header.length;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        Map<String, long[]> offsets = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("__metadata__")) {
                if (!v.isObject()) throw new WeightsException(path + ": __metadata__ is not an object");
                v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String where = path + ": tensor '" + key + "'";
            if (!v.isObject()) throw new WeightsException(where + ": entry is not an object");
            JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
            if (dt == null || !dt.isTextual()) throw new WeightsException(where + ": missing dtype");
            String dtype = dt.asText();
            int esize = DTypes.size(dtype);
            if (esize < 0) throw new WeightsException(where + ": unsupported dtype " + dtype);
            if (sh == null || !sh.isArray()) throw new WeightsException(where + ": missing shape");
            long[] shape = new long[sh.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) throw new WeightsException(where + ": bad shape " + sh);
                shape[i] = sh.get(i).asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
                throw new WeightsException(where + ": missing data_offsets");
            long begin = off.get(0).asLong(), end = off.get(1).asLong();
            if (begin < 0 || end < begin) throw new WeightsException(where + ": bad data_offsets [" + begin + ", " + end + "]");
            if (end > dataSize)
                throw new WeightsException(where + ": data_offsets [" + begin + ", " + end + "] lie beyond the end of the file (data section is " + dataSize + " bytes)");
            if (end - begin != numel * esize)
                throw new WeightsException(where + ": data_offsets span " + (end - begin) + " bytes but " + dtype + " " + java.util.Arrays.toString(shape) + " needs " + numel * esize);
            infos.put(key, new TensorInfo(key, dtype, shape));
            offsets.put(key, new long[]{begin, end});
        }
        // Overlapping ranges would make two keys alias the same bytes: refuse them.
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(offsets.entrySet());
        sorted.sort(Comparator.comparingLong(e -> e.getValue()[0]));
        for (int i = 1; i < sorted.size(); i++) {
            long[] prev = sorted.get(i - 1).getValue(), cur = sorted.get(i).getValue();
            if (cur[0] < prev[1] && cur[1] > cur[0])
                throw new WeightsException(path + ": tensors '" + sorted.get(i - 1).getKey() + "' and '" + sorted.get(i).getKey() + "' have overlapping data ranges");
        }
        return new SafeTensors(path, size, dataStart, Collections.unmodifiableMap(infos), offsets, Collections.unmodifiableMap(meta));
    }

    @Override public Path path() { return path; }
    @Override public Map<String, TensorInfo> infos() { return infos; }
    public Map<String, String> metadata() { return metadata; }

    @Override
    public synchronized Tensor load(String key) {
        TensorInfo info = infos.get(key);
        if (info == null) throw new WeightsException(path + ": no tensor '" + key + "'");
        long[] off = offsets.get(key);
        ScalarType st = DTypes.scalarType(info.dtype());
        long n = off[1] - off[0];
        if (n == 0) return torch.empty(info.shape(), T.opts(st), null);
        if (mapping == null) {
            mapping = torch.from_file(path.toString(), new BoolOptional(false), new LongOptional(fileSize), T.opts(ScalarType.Byte));
        }
        Tensor bytes = mapping.narrow(0, dataStart + off[0], n);
        int esize = DTypes.size(info.dtype());
        if ((dataStart + off[0]) % esize != 0) bytes = bytes.clone(); // views need element-aligned offsets
        return bytes.view(st).view(info.shape());
    }

    @Override
    public synchronized void close() {
        if (mapping != null) { mapping.close(); mapping = null; }
    }

    /** Writes tensors (in the given order) and optional string metadata; the file appears only when complete. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        List<Tensor> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue().contiguous();
            data.add(t);
            long n = t.numel() * t.element_size();
            ObjectNode o = header.putObject(e.getKey());
            o.put("dtype", DTypes.name(t.scalar_type()));
            var sh = o.putArray("shape");
            for (long s : T.shape(t)) sh.add(s);
            var offs = o.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + n);
            offset += n;
        }
        byte[] hb;
        try {
            hb = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot encode header", e);
        }
        int padded = (hb.length + 7) / 8 * 8; // keep tensor data 8-byte aligned
        byte[] h = new byte[padded];
        java.util.Arrays.fill(h, (byte) ' ');
        System.arraycopy(hb, 0, h, 0, hb.length);
        Path tmp = path.resolveSibling(path.getFileName() + ".partial");
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(h));
                for (Tensor t : data) {
                    long n = t.numel() * t.element_size();
                    if (n == 0) continue;
                    BytePointer p = new BytePointer(t.data_ptr());
                    for (long pos = 0; pos < n; pos += 1 << 30) {
                        long chunk = Math.min(1 << 30, n - pos);
                        BytePointer q = new BytePointer(p).position(pos).limit(pos + chunk);
                        writeFully(ch, q.asByteBuffer());
                    }
                }
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw new WeightsException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Reads all tensors of a file into memory (copies, float32 kept as stored). */
    public static Map<String, Tensor> readAll(Path path) {
        try (SafeTensors st = open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String k : st.infos().keySet()) out.put(k, st.load(k).clone());
            return out;
        }
    }
}
