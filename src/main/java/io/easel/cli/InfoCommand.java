package io.easel.cli;

import io.easel.api.Easel;
import io.easel.api.ModelOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code easel info FILE|DIR}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show what a checkpoint holds: architecture, dtypes, parameter counts, ignored and unknown keys (headers only).")
final class InfoCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE|DIR") Path path;
    @Option(names = "--arch", description = "Override detection: sd1 or sd2.") String arch;
    @Option(names = "--text-encoder-heads", description = "Text encoder head count for unusual files.") Integer textEncoderHeads;
    @Option(names = "--unet-heads", split = ",", description = "UNet heads per down block for unusual files.") List<Integer> unetHeads;

    @Override
    public Integer call() {
        ModelOptions o = new ModelOptions("fp32", arch, null, null, textEncoderHeads, unetHeads);
        Easel.info(path, o).forEach(spec.commandLine().getOut()::println);
        return 0;
    }
}
