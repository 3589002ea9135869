package io.easel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory figures from /proc (Linux). */
public final class Memory {
    private Memory() {}

    /** Peak resident set size in bytes (VmHWM), or -1 where unavailable. */
    public static long peakRss() { return field("VmHWM:"); }

    /** Current resident set size in bytes (VmRSS), or -1. */
    public static long rss() { return field("VmRSS:"); }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
