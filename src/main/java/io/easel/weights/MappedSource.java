package io.easel.weights;

import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * One model component of a checkpoint, presented under diffusers / transformers key names.
 * Built by {@link KeyMaps} from the header alone: {@link #infos()} gives the target keys and
 * shapes without reading tensor data, and {@link #load} reads the stored tensor and renames,
 * reshapes or slices it. Keys of the component that are known extras (EMA copies, position_ids,
 * the unused last OpenCLIP layer...) are counted, not exposed; keys that no table knows are
 * listed by {@link #unknownKeys()}.
 *
 * <p>Closing a mapped source does nothing: several components share one file, and whoever
 * opened the file closes it.
 */
public final class MappedSource implements TensorSource {
    /** How one target tensor is made from one stored tensor; {@code transform} null = as stored. */
    record Entry(String source, TensorInfo info, UnaryOperator<Tensor> transform) {}

    private static final Pattern UNET_PROJECTION = Pattern.compile("(^|\\.)attentions\\.\\d+\\.proj_(in|out)\\.weight$");

    private final TensorSource source;
    private final String component;
    private final Map<String, Entry> entries;
    private final Map<String, TensorInfo> infos;
    private final Map<String, String> ignored;
    private final List<String> unknown;

    private MappedSource(TensorSource source, String component, Map<String, Entry> entries,
                         Map<String, String> ignored, List<String> unknown) {
        this.source = source;
        this.component = component;
        this.entries = Collections.unmodifiableMap(entries);
        Map<String, TensorInfo> in = new LinkedHashMap<>();
        entries.forEach((k, e) -> in.put(k, e.info()));
        this.infos = Collections.unmodifiableMap(in);
        this.ignored = Collections.unmodifiableMap(ignored);
        this.unknown = List.copyOf(unknown);
    }

    @Override public Path path() { return source.path(); }

    /** Target (diffusers) keys with their shapes after any transform, in file order. */
    @Override public Map<String, TensorInfo> infos() { return infos; }

    @Override
    public Tensor load(String key) {
        Entry e = entries.get(key);
        if (e == null) throw new WeightsException(path() + ": " + component + " has no tensor '" + key + "'");
        Tensor t = source.load(e.source());
        return e.transform() == null ? t : e.transform().apply(t);
    }

    /** The component's name, for messages ("UNet", "VAE", "text encoder", "ControlNet"). */
    public String component() { return component; }

    /** The underlying file. */
    public TensorSource source() { return source; }

    /** The stored key a target key is read from, for messages; null when the key is not mapped. */
    public String sourceKey(String targetKey) {
        Entry e = entries.get(targetKey);
        return e == null ? null : e.source();
    }

    /** Every stored key this component reads. */
    public Set<String> mappedSourceKeys() {
        Set<String> s = new java.util.LinkedHashSet<>();
        for (Entry e : entries.values()) s.add(e.source());
        return s;
    }

    /** Stored keys of this component that are known extras, with the reason each is ignored. */
    public Map<String, String> ignoredKeys() { return ignored; }

    /** Ignored keys counted by reason, e.g. {"position_ids buffers": 1}. */
    public Map<String, Integer> ignoredCounts() { return countByReason(ignored); }

    public int ignoredCount() { return ignored.size(); }

    /** Stored keys of this component that no table knows. */
    public List<String> unknownKeys() { return unknown; }

    /** This source, or a WeightsException naming the unknown keys (the first ten). */
    public MappedSource requireNoUnknown() {
        if (unknown.isEmpty()) return this;
        List<String> shown = unknown.subList(0, Math.min(10, unknown.size()));
        throw new WeightsException(path() + ": " + unknown.size() + " unknown " + component + " key" + (unknown.size() == 1 ? "" : "s")
                + ": " + String.join(", ", shown) + (unknown.size() > shown.size() ? ", ..." : ""));
    }

    /**
     * The same tensors with the transformer {@code proj_in}/{@code proj_out} weights in the
     * rank the target model expects: [C,C] for linear projections (SD2), [C,C,1,1] for 1x1
     * convolutions (SD1). Files normally store the rank their model uses; this is for the
     * exceptions (converted checkpoints, a ControlNet trained with the other convention).
     */
    public MappedSource withProjections(boolean linear) {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            long[] s = e.info().shape();
            if (UNET_PROJECTION.matcher(me.getKey()).find() && (linear ? s.length == 4 : s.length == 2)) {
                long[] to = linear ? new long[]{s[0], s[1]} : new long[]{s[0], s[1], 1, 1};
                if (linear && (s[2] != 1 || s[3] != 1))
                    throw new WeightsException(path() + ": '" + e.source() + "' is a " + s[2] + "x" + s[3] + " convolution, not a 1x1 projection");
                UnaryOperator<Tensor> prev = e.transform();
                UnaryOperator<Tensor> reshape = t -> t.reshape(to);
                out.put(me.getKey(), new Entry(e.source(), new TensorInfo(me.getKey(), e.info().dtype(), to),
                        prev == null ? reshape : t -> reshape.apply(prev.apply(t))));
            } else {
                out.put(me.getKey(), e);
            }
        }
        return new MappedSource(source, component, out, new LinkedHashMap<>(ignored), unknown);
    }

    static Map<String, Integer> countByReason(Map<String, String> ignored) {
        Map<String, Integer> c = new LinkedHashMap<>();
        for (String r : ignored.values()) c.merge(r, 1, Integer::sum);
        return c;
    }

    @Override public String toString() {
        return component + " of " + path() + " (" + entries.size() + " tensors, " + ignored.size() + " ignored, " + unknown.size() + " unknown)";
    }

    /** Collects the entries of one component; target keys must be unique. */
    static final class Builder {
        private final TensorSource source;
        private final String component;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, String> ignored = new LinkedHashMap<>();
        private final List<String> unknown = new ArrayList<>();

        Builder(TensorSource source, String component) {
            this.source = source;
            this.component = component;
        }

        TensorInfo info(String sourceKey) { return source.infos().get(sourceKey); }

        /** The stored tensor under a new name, unchanged. */
        Builder map(String sourceKey, String target) {
            TensorInfo i = info(sourceKey);
            return put(target, new Entry(sourceKey, new TensorInfo(target, i.dtype(), i.shape()), null));
        }

        /** The stored tensor reshaped (same number of elements). */
        Builder reshape(String sourceKey, String target, long... shape) {
            TensorInfo i = info(sourceKey);
            long n = 1;
            for (long d : shape) n *= d;
            if (n != i.numel())
                throw new WeightsException(source.path() + ": '" + sourceKey + "' has shape " + i.shapeString() + ", which cannot be viewed as " + Arrays.toString(shape));
            if (Arrays.equals(shape, i.shape())) return map(sourceKey, target);
            return put(target, new Entry(sourceKey, new TensorInfo(target, i.dtype(), shape), t -> t.reshape(shape)));
        }

        /** Part {@code part} of {@code parts} equal slices of the stored tensor along dim 0. */
        Builder slice(String sourceKey, String target, int part, int parts) {
            TensorInfo i = info(sourceKey);
            long[] s = i.shape().clone();
            if (s.length == 0 || s[0] % parts != 0)
                throw new WeightsException(source.path() + ": '" + sourceKey + "' has shape " + i.shapeString() + ", whose first dimension does not split into " + parts);
            long len = s[0] / parts;
            s[0] = len;
            return put(target, new Entry(sourceKey, new TensorInfo(target, i.dtype(), s), t -> t.narrow(0, part * len, len)));
        }

        Builder ignore(String sourceKey, String reason) {
            ignored.put(sourceKey, reason);
            return this;
        }

        Builder unknown(String sourceKey) {
            unknown.add(sourceKey);
            return this;
        }

        private Builder put(String target, Entry e) {
            Entry prev = entries.put(target, e);
            if (prev != null)
                throw new WeightsException(source.path() + ": '" + prev.source() + "' and '" + e.source() + "' both map to " + component + " key '" + target + "'");
            return this;
        }

        MappedSource build() { return new MappedSource(source, component, entries, ignored, unknown); }
    }
}
