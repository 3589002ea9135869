package io.easel.cli;

/** One-line messages for failures. */
final class Errors {
    private Errors() {}

    static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof OutOfMemoryError) return "out of memory (" + m + "); try a smaller size or batch, or --dtype bf16";
        if (m == null || m.isBlank()) return e.getClass().getSimpleName() + " (run with --verbose for details)";
        // libtorch messages carry a C++ backtrace after the first line
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }
}
