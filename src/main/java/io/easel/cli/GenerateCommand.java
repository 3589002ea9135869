package io.easel.cli;

import io.easel.api.Easel;
import io.easel.api.GenerationRequest;
import io.easel.api.GenerationResult;
import io.easel.api.ModelOptions;
import io.easel.api.GenerationParameters;
import io.easel.api.PngFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code easel generate}: txt2img and img2img to PNG files that carry their parameters. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate images from a prompt (txt2img), or from an init image (img2img).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin Common common;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PROMPT", description = "What to draw.")
    String prompt;

    @Option(names = {"-m", "--model"}, paramLabel = "PATH", description = "A .safetensors/.ckpt single file or a diffusers folder (default: the bundled easel-shapes model, 64x64 shapes scenes; see models/README.md).")
    Path model;
    @Option(names = {"-n", "--negative"}, paramLabel = "TEXT", description = "Negative prompt.")
    String negative;
    @Option(names = {"-W", "--width"}, description = "Width in pixels, a multiple of 8 (default: the model's native size, 512 for SD1).")
    Integer width;
    @Option(names = {"-H", "--height"}, description = "Height in pixels, a multiple of 8 (default: the model's native size).")
    Integer height;
    @Option(names = "--steps", description = "Denoising steps (default: ${DEFAULT-VALUE}).", defaultValue = "20")
    int steps;
    @Option(names = "--cfg", description = "Classifier-free guidance scale, 1..30 (default: ${DEFAULT-VALUE}).", defaultValue = "7.5")
    double cfg;
    @Option(names = "--sampler", description = "ddim, euler, euler_a, dpmpp_2m, dpmpp_2m_karras (default: ${DEFAULT-VALUE}).", defaultValue = "euler_a")
    String sampler;
    @Option(names = "--eta", description = "DDIM eta (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    double eta;
    @Option(names = {"-s", "--seed"}, description = "Seed (default: random; printed and stored in the PNG).")
    Long seed;
    @Option(names = {"-b", "--batch"}, description = "Images per run (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int batch;
    @Option(names = "--clip-skip", description = "1 = last text-encoder layer, 2 = penultimate, ... (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int clipSkip;
    @Option(names = "--init", paramLabel = "IMAGE", description = "Init image for img2img (resized to the output size if it differs).")
    Path init;
    @Option(names = "--strength", description = "img2img denoising strength, (0,1] (default: ${DEFAULT-VALUE}).", defaultValue = "0.75")
    double strength;
    @Option(names = "--from", paramLabel = "PNG", description = "Re-make an image: take prompt and settings from its PNG parameters (flags given here override).")
    Path from;
    @Option(names = "--control", paramLabel = "MODEL:IMAGE[:w[:s:e]]",
            description = "A ControlNet unit: model, condition image, weight (default 1), start and end fractions of the schedule (default 0:1). Repeatable; residuals of all units are summed.")
    List<String> controls;
    @Option(names = "--annotate", paramLabel = "KIND",
            description = "Run an annotator (canny, lines, scribble, softedge_dog, ...; 'none' to skip) on the control image first. Repeatable, paired with --control by position.")
    List<String> annotate;
    @Option(names = "--control-mode", description = "balanced, prompt (my prompt is more important), controlnet (ControlNet is more important), guess (diffusers guess mode) (default: ${DEFAULT-VALUE}).", defaultValue = "balanced")
    String controlMode;
    @Option(names = "--resize-mode", description = "Fit control images of another size: just (stretch), crop (cover, centre crop), fill (fit, pad with the edge colour) (default: ${DEFAULT-VALUE}).", defaultValue = "crop")
    String resizeMode;
    @Option(names = {"-o", "--out"}, paramLabel = "FILE|DIR", description = "Output PNG file, or a folder (default: outputs/).", defaultValue = "outputs")
    Path out;
    @Option(names = "--dtype", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).", defaultValue = "fp32")
    String dtype;
    @Option(names = "--arch", description = "Override detection: sd1 or sd2.")
    String arch;
    @Option(names = "--prediction", description = "epsilon or v_prediction (default: SD1 epsilon, SD2 single files v_prediction).")
    String prediction;
    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer folder or bpe_simple_vocab_16e6.txt.gz (default: the model's, else bundled).")
    Path tokenizer;
    @Option(names = "--text-encoder-heads", description = "Text encoder head count, for files that break the width/64 convention.")
    Integer textEncoderHeads;
    @Option(names = "--unet-heads", split = ",", description = "UNet heads per down block (comma-separated), for such files.")
    List<Integer> unetHeads;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        GenerationRequest.Builder b;
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        if (from != null) {
            Map<String, String> text = PngFiles.readText(from);
            String p = text.get("parameters");
            if (p == null) throw new IllegalArgumentException(from + ": has no 'parameters' text chunk");
            GenerationParameters.Parsed parsed = GenerationParameters.parse(p);
            b = parsed.toBuilder();
            if (prompt != null) b = copyPrompt(b, prompt);
        } else {
            if (prompt == null) throw new CommandLine.ParameterException(spec.commandLine(), "missing PROMPT");
            b = GenerationRequest.builder(prompt);
        }
        if (from == null || pr.hasMatchedOption("--negative")) b.negative(negative == null ? "" : negative);
        if (width != null || height != null) b.size(width != null ? width : height, height != null ? height : width);
        if (from == null || pr.hasMatchedOption("--steps")) b.steps(steps);
        if (from == null || pr.hasMatchedOption("--cfg")) b.cfg(cfg);
        if (from == null || pr.hasMatchedOption("--sampler")) b.sampler(sampler);
        if (from == null || pr.hasMatchedOption("--eta")) b.eta(eta);
        if (from == null || pr.hasMatchedOption("--seed")) b.seed(seed);
        if (from == null || pr.hasMatchedOption("--batch")) b.batch(batch);
        if (from == null || pr.hasMatchedOption("--clip-skip")) b.clipSkip(clipSkip);
        if (init != null) {
            if (!Files.isRegularFile(init)) throw new IllegalArgumentException("--init " + init + ": no such file");
            b.initImage(init, strength);
        }
        if (controls != null) {
            if (annotate != null && annotate.size() > controls.size())
                throw new IllegalArgumentException("--annotate given " + annotate.size() + " times for " + controls.size() + " --control units");
            List<GenerationRequest.ControlUnitSpec> units = new java.util.ArrayList<>();
            for (int i = 0; i < controls.size(); i++) {
                GenerationRequest.ControlUnitSpec u = GenerationRequest.ControlUnitSpec.parse(controls.get(i),
                        annotate != null && i < annotate.size() ? annotate.get(i) : null, controlMode, resizeMode);
                if (!Files.exists(u.model())) throw new IllegalArgumentException("--control " + u.model() + ": no such file or folder");
                if (!Files.isRegularFile(u.image())) throw new IllegalArgumentException("--control " + u.image() + ": no such image");
                units.add(u);
            }
            b.controls(units);
        }
        if (model == null) {
            model = Easel.defaultModel();
            if (model == null)
                throw new IllegalArgumentException("--model is required (no bundled default model found): a .safetensors/.ckpt checkpoint or a diffusers folder");
        }
        ModelOptions mo = new ModelOptions(dtype, arch, prediction, tokenizer, textEncoderHeads, unetHeads);
        GenerationRequest check = b.build();
        List<Path> targets = outputPaths(out, check.batch());
        err.println("loading " + model + " (" + mo.dtype() + ")");
        long t0 = System.nanoTime();
        try (Easel easel = Easel.open(model, mo)) {
            err.printf("loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            if (!b.hasSize()) b.size(easel.nativeSize(), easel.nativeSize());
            GenerationRequest req = b.build();
            if (common.verbose) easel.model().notes().forEach(n -> err.println("note: " + n));
            GenerationResult r = easel.generate(req, new ProgressBar(err));
            for (int i = 0; i < r.images().size(); i++) {
                Path p = targets.get(i);
                PngFiles.write(r.images().get(i), p, Map.of("parameters", r.parameters().get(i)));
                stdout.println(p);
            }
            err.printf("seed %d, %.1f s%n", r.seed(), r.seconds());
        }
        return 0;
    }

    private static GenerationRequest.Builder copyPrompt(GenerationRequest.Builder old, String prompt) {
        GenerationRequest r = old.build();
        return GenerationRequest.builder(prompt).negative(r.negativePrompt()).size(r.width(), r.height()).steps(r.steps())
                .cfg(r.cfg()).sampler(r.sampler()).eta(r.eta()).seed(r.seed()).batch(r.batch()).clipSkip(r.clipSkip());
    }

    /** A file for a single image (FILE.png, or FILE-i.png for a batch), or numbered files in a folder. */
    static List<Path> outputPaths(Path out, int batch) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        boolean file = name.toLowerCase().endsWith(".png") && !Files.isDirectory(out);
        java.util.ArrayList<Path> paths = new java.util.ArrayList<>();
        if (file) {
            if (batch == 1) return List.of(out);
            String stem = name.substring(0, name.length() - 4);
            for (int i = 0; i < batch; i++) paths.add(out.resolveSibling(stem + "-" + i + ".png"));
            return paths;
        }
        int next = 0;
        if (Files.isDirectory(out)) {
            try (var s = Files.list(out)) {
                next = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{5}\\.png"))
                        .mapToInt(n -> Integer.parseInt(n.substring(0, 5)) + 1).max().orElse(0);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(out + ": cannot list (" + e.getMessage() + ")");
            }
        } else if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + ": exists and is not a folder or a .png file");
        }
        for (int i = 0; i < batch; i++) paths.add(out.resolve(String.format("%05d.png", next + i)));
        return paths;
    }
}
