package io.easel.tensor;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** Optional per-operation wall-clock accounting (system property {@code easel.profile=true}); off by default. */
public final class Profiler {
    public static final boolean ENABLED = Boolean.getBoolean("easel.profile");
    private static final Map<String, long[]> TOTALS = new TreeMap<>();

    private Profiler() {}

    public static <R> R time(String op, Supplier<R> body) {
        if (!ENABLED) return body.get();
        long t0 = System.nanoTime();
        R r = body.get();
        long dt = System.nanoTime() - t0;
        synchronized (TOTALS) {
            long[] v = TOTALS.computeIfAbsent(op, k -> new long[2]);
            v[0] += dt;
            v[1]++;
        }
        return r;
    }

    /** Totals since the last reset, one line per operation, and clears them. */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        synchronized (TOTALS) {
            long all = TOTALS.values().stream().mapToLong(v -> v[0]).sum();
            TOTALS.forEach((k, v) -> sb.append(String.format("  %-28s %8.3f s  %6d calls%n", k, v[0] / 1e9, v[1])));
            sb.append(String.format("  %-28s %8.3f s%n", "total (profiled)", all / 1e9));
            TOTALS.clear();
        }
        return sb.toString();
    }
}
