package io.easel.cli;

import io.easel.annotators.Image;
import io.easel.annotators.Images;
import io.easel.api.PngFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    static Path golden = Path.of(System.getProperty("easel.golden", "../shared/golden"));
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run easel(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void helpListsTheCommands() {
        Run r = easel("--help");
        assertEquals(0, r.code);
        for (String c : new String[]{"generate", "info", "conformance", "bench"}) assertTrue(r.out.contains(c), r.out);
    }

    @Test
    void badFlagsGiveOneLineNamingTheFlag() {
        Run r = easel("generate", "x", "--bogus");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--bogus"), r.err);
        r = easel("generate", "x", "-m", "m.safetensors", "--width", "65");
        assertEquals(2, r.code);
        assertTrue(r.err.strip().equals("easel: --width must be a multiple of 8, got 65"), r.err);
        r = easel("generate", "x", "-m", "m.safetensors", "--steps", "0");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--steps"), r.err);
        r = easel("generate", "x", "-m", "m.safetensors", "--cfg", "0.5");
        assertTrue(r.err.contains("--cfg"), r.err);
        r = easel("generate", "x", "-m", "m.safetensors", "--init", "nothere.png", "--strength", "0.5");
        assertTrue(r.err.contains("--init"), r.err);
        r = easel("generate", "x", "-m", "m.safetensors", "--dtype", "fp8");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("fp8"), r.err);
        r = easel("generate");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("PROMPT"), r.err);
    }

    @Test
    void evalFlagsAreChecked() {
        Run r = easel("eval", "--text-only", "--controlnet", "canny=" + dir.resolve("cn"));
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("--text-only and --controlnet exclude each other"), r.err);
        r = easel("eval", "--cfg", "0.5", "--scenes", "1");
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("--cfg must be within 1..30, got 0.5"), r.err);
        r = easel("eval", "--controlnet", "pose=" + dir.resolve("no-such-cn"), "--scenes", "1");
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("--controlnet pose=" + dir.resolve("no-such-cn") + ": no such file or folder"), r.err);
        Path sheet = dir.resolve("sheet.png");
        r = easel("demo", sheet.toString(), "--controlnet", "canny=" + dir.resolve("no-such-cn"));
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("--controlnet canny="), r.err);
        assertFalse(Files.exists(sheet), "no partial contact sheet");
    }

    @Test
    void missingOrBrokenModelFilesFailWithoutTraceOrOutput() throws Exception {
        Path out = dir.resolve("o.png");
        Run r = easel("generate", "x", "-m", dir.resolve("none.safetensors").toString(), "-o", out.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("none.safetensors: no such file"), r.err);
        assertFalse(r.err.contains("\tat "), "no stack trace by default");
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[]{(byte) 200, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        r = easel("generate", "x", "-m", junk.toString(), "-o", out.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("junk.safetensors") && r.err.contains("header length"), r.err);
        assertFalse(Files.exists(out));
        r = easel("generate", "x", "-m", junk.toString(), "-o", out.toString(), "--verbose");
        assertTrue(r.err.contains("\tat "), "--verbose shows the stack trace");
    }

    @Test
    void infoDescribesASingleFile() {
        Assumptions.assumeTrue(Files.isDirectory(golden.resolve("models")));
        Run r = easel("info", golden.resolve("models/tiny-sd15.safetensors").toString(), "--text-encoder-heads", "4");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("layout ldm-single-file, family sd1"), r.out);
        assertTrue(r.out.contains("block_out_channels [32, 32, 64, 64]"), r.out);
        assertTrue(r.out.contains("F16"), r.out);
    }

    @Test
    void generateWritesPngWithParametersAndRemakesIt() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(golden.resolve("models/tiny-sd15")));
        Path out = dir.resolve("a.png");
        Run r = easel("generate", "a red circle", "-m", golden.resolve("models/tiny-sd15").toString(), "-W", "64", "-H", "48",
                "--steps", "3", "--seed", "5", "--sampler", "dpmpp_2m_karras", "-n", "blurry", "-o", out.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("steps/s"), "progress bar: " + r.err);
        Map<String, String> text = PngFiles.readText(out);
        String p = text.get("parameters");
        assertTrue(p.startsWith("a red circle\nNegative prompt: blurry\nSteps: 3, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 5, Size: 64x48"), p);
        Image first = Images.read(out);
        assertEquals(64, first.width());
        assertEquals(48, first.height());

        Path again = dir.resolve("b.png");
        r = easel("generate", "--from", out.toString(), "-m", golden.resolve("models/tiny-sd15").toString(), "-o", again.toString());
        assertEquals(0, r.code, r.err);
        assertArrayEquals(first.data(), Images.read(again).data(), "--from re-makes the same image");
    }

    @Test
    void conformanceCommandPrintsSummaryLast() {
        Assumptions.assumeTrue(Files.isDirectory(golden.resolve("core/randn")));
        Run r = easel("conformance", golden.resolve("core/randn").toString());
        assertEquals(0, r.code, r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals("5 passed, 0 failed, 0 skipped", lines[lines.length - 1]);
        assertEquals(2, easel("conformance", dir.resolve("nothing").toString()).code);
    }

    @Test
    void datasetShapesWritesBothLayoutsDeterministically() throws Exception {
        Run r = easel("dataset", "shapes", dir.resolve("a").toString(), "--count", "6", "--seed", "3", "--holdout", "2");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("6 scenes + 2 held out"), r.out);
        for (String f : new String[]{"captions.txt", "scenes.jsonl", "prompt.json", "images/000000.png", "conditions/canny/000000.png", "holdout/captions.txt"})
            assertTrue(Files.exists(dir.resolve("a").resolve(f)), f);
        assertEquals(0, easel("dataset", "shapes", dir.resolve("b").toString(), "--count", "6", "--seed", "3", "--holdout", "2").code);
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/images/000004.png")), Files.readAllBytes(dir.resolve("b/images/000004.png")));
        assertEquals(Files.readString(dir.resolve("a/captions.txt")), Files.readString(dir.resolve("b/captions.txt")));
        Run bad = easel("dataset", "shapes", dir.resolve("a").toString(), "--count", "2");
        assertEquals(2, bad.code, "a non-empty folder is refused: " + bad.err);
        assertTrue(bad.err.contains(dir.resolve("a").toString()), bad.err);
    }
}
