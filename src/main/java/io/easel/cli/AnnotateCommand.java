package io.easel.cli;

import io.easel.api.Easel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code easel annotate KIND IN OUT [name=value...]}. */
@Command(name = "annotate", mixinStandardHelpOptions = true,
        description = "Make a ControlNet condition map from an image (canny, lines, scribble, binary, invert, grayscale, softedge_dog, depth, normal, "
                + "openpose (from OpenPose JSON), seg_ade20k (from a label map), shuffle, tile, blur, inpaint, palette, pixel). Options as name=value; --list shows them.")
final class AnnotateCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--list", description = "List the annotators and their options.") boolean list;
    @Parameters(index = "0", arity = "0..1", paramLabel = "KIND") String kind;
    @Parameters(index = "1", arity = "0..1", paramLabel = "IN") Path in;
    @Parameters(index = "2", arity = "0..1", paramLabel = "OUT") Path out;
    @Parameters(index = "3..*", paramLabel = "NAME=VALUE") List<String> options;

    @Override
    public Integer call() {
        if (list) {
            Easel.annotatorHelp().forEach(spec.commandLine().getOut()::println);
            return 0;
        }
        if (kind == null || in == null || out == null)
            throw new CommandLine.ParameterException(spec.commandLine(), "usage: easel annotate KIND IN OUT [name=value...] (or --list)");
        Map<String, String> opts = new LinkedHashMap<>();
        if (options != null) for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("annotator option '" + o + "' must be name=value");
            opts.put(o.substring(0, eq), o.substring(eq + 1));
        }
        Easel.annotate(kind, in, out, opts);
        spec.commandLine().getOut().println(out);
        return 0;
    }
}
