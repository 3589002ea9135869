package io.easel.annotators;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Inputs for annotator tests: the golden photographs when present, synthetic images always. */
final class TestImages {
    private TestImages() {}

    /** A golden Canny case's input photograph (e.g. "astronaut_100_200"); skips the test when absent. */
    static Image photo(String caseName) {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null, "easel.golden not set");
        Path p = Path.of(g, "annotators", "canny", caseName, "input.png");
        assumeTrue(Files.isRegularFile(p), "no golden input " + p);
        return Images.read(p);
    }

    /** A w x h RGB image from a function of (x, y, channel) returning 0..255. */
    static Image rgb(int w, int h, PixelFn f) {
        float[] d = new float[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = f.at(x, y, c);
        return new Image(w, h, 3, d);
    }

    interface PixelFn {
        int at(int x, int y, int c);
    }

    static int[] px(Image im, int x, int y) {
        return new int[]{Math.round(im.get(x, y, 0)), Math.round(im.get(x, y, 1)), Math.round(im.get(x, y, 2))};
    }
}
