package io.easel.weights;

import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.Map;

/**
 * A set of named tensors from a file, readable key by key. Headers are parsed eagerly and data
 * lazily, so architecture detection never touches tensor data.
 */
public interface TensorSource extends AutoCloseable {
    /** The file (or folder) the tensors come from, for messages. */
    Path path();

    /** Every tensor's header, in file order. */
    Map<String, TensorInfo> infos();

    /** The tensor under {@code key} in its stored dtype. The result may share memory with a mapping of the file. */
    Tensor load(String key);

    default boolean has(String key) { return infos().containsKey(key); }

    @Override default void close() {}
}
