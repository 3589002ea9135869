package io.easel.api;

/** Told about long work as it advances. */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param phase   what is running ("denoise", "decode", "load", ...)
     * @param done    units finished so far
     * @param total   units in all
     * @param seconds wall time since the phase began
     */
    void progress(String phase, int done, int total, double seconds);

    ProgressListener NONE = (phase, done, total, seconds) -> { };
}
