package io.easel.cli;

import picocli.CommandLine.Option;

/** Options every command takes. */
final class Common {
    @Option(names = "--verbose", description = "Show stack traces and loading details.")
    boolean verbose;
}
