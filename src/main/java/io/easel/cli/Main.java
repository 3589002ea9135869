package io.easel.cli;

import io.easel.conformance.ConformanceRunner;

import java.nio.file.Path;

/** Temporary entry point; replaced by the picocli front-end. */
public final class Main {
    public static void main(String[] args) throws Exception {
        var s = new ConformanceRunner().run(Path.of(args[0]), System.out, true);
        System.exit(s.ok() ? 0 : 1);
    }
}
