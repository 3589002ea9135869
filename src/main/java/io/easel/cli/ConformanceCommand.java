package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code easel conformance DIR}. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Run every case.json below DIR against the reference numbers; prints PASS|FAIL|SKIP per case and a summary. Exit 0 only when nothing failed.")
final class ConformanceCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR") Path dir;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no such folder");
        return Easel.conformance(dir, spec.commandLine().getOut(), common.verbose) ? 0 : 1;
    }
}
