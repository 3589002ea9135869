package io.easel.train.data;

import io.easel.models.vae.AutoencoderKL;
import io.easel.pipeline.ComponentFiles;
import io.easel.tensor.DType;
import io.easel.tensor.T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Both dataset layouts, the errors found before training, resizing, batches and the latent cache. */
class DatasetTest {
    @TempDir Path tmp;

    static Path png(Path p, int w, int h, int rgb) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb ^ (x * 3 + y));
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    private Path promptJson(String... lines) throws Exception {
        Path f = tmp.resolve("set/prompt.json");
        Files.createDirectories(f.getParent());
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void promptJsonLayout() throws Exception {
        png(tmp.resolve("set/source/0.png"), 40, 30, 0x102030);
        png(tmp.resolve("set/target/0.png"), 40, 30, 0x405060);
        png(tmp.resolve("set/source/1.png"), 40, 30, 0x102030);
        png(tmp.resolve("set/target/1.png"), 40, 30, 0x405060);
        Path f = promptJson("{\"source\": \"source/0.png\", \"target\": \"target/0.png\", \"prompt\": \"a red star\"}",
                "", "{\"source\": \"source/1.png\", \"target\": \"target/1.png\", \"prompt\": \"a blue ring\"}");
        PairDataset d = PairDataset.open(f.getParent()).validate();
        assertEquals(2, d.size());
        assertTrue(d.hasConditions());
        assertEquals("a blue ring", d.get(1).caption());
        assertEquals(tmp.resolve("set/target/1.png").toAbsolutePath(), d.get(1).image());
        assertEquals(d.fingerprint(), PairDataset.promptJson(f).fingerprint());

        ImageBatches b = new ImageBatches(d, 16);
        ImageBatches.Batch batch = b.batch(new int[]{1, 0});
        assertArrayEquals(new long[]{2, 3, 16, 16}, T.shape(batch.images()));
        assertArrayEquals(new long[]{2, 3, 16, 16}, T.shape(batch.conditions()));
        assertEquals(java.util.List.of("a blue ring", "a red star"), batch.captions());
        assertTrue(torch.le(batch.images().abs(), T.scalarTensor(1.0)).all().item().toBool());
        assertTrue(torch.ge(batch.conditions(), T.scalarTensor(0.0)).all().item().toBool());
    }

    @Test
    void folderLayoutWithAndWithoutConditions() throws Exception {
        Path dir = tmp.resolve("f");
        png(dir.resolve("images/a.png"), 20, 20, 1);
        png(dir.resolve("images/b.jpg"), 20, 20, 2);
        Files.writeString(dir.resolve("captions.txt"), "a\ta red circle\nb\ta green square\n");
        PairDataset d = PairDataset.open(dir).validate();
        assertEquals(2, d.size());
        assertFalse(d.hasConditions());
        assertNull(new ImageBatches(d, 8).batch(new int[]{0}).conditions());
        png(dir.resolve("conditions/a.png"), 20, 20, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> PairDataset.folder(dir));
        assertTrue(e.getMessage().contains("captions.txt:2") && e.getMessage().contains("no condition"), e.getMessage());
        png(dir.resolve("conditions/b.png"), 20, 20, 3);
        assertTrue(PairDataset.folder(dir).validate().hasConditions());
        // the shapes world's layout: one subfolder per condition kind
        Path w = tmp.resolve("w");
        png(w.resolve("images/000000.png"), 20, 20, 1);
        png(w.resolve("conditions/canny/000000.png"), 20, 20, 5);
        Files.writeString(w.resolve("captions.txt"), "000000\ta red star\n");
        assertFalse(PairDataset.folder(w).hasConditions(), "subfolders only: a text-to-image dataset");
        PairDataset canny = PairDataset.folder(w, "canny").validate();
        assertEquals(w.resolve("conditions/canny/000000.png"), canny.get(0).condition());
        var e2 = assertThrows(IllegalArgumentException.class, () -> PairDataset.folder(w, "depth"));
        assertTrue(e2.getMessage().contains("conditions/depth/"), e2.getMessage());
    }

    @Test
    void readsTheShapesWorldOutput() {
        Path out = tmp.resolve("shapes");
        io.easel.train.shapes.ShapesDataset.generate(out, 3, 11, io.easel.train.shapes.ShapesDataset.Options.defaults());
        PairDataset pairs = PairDataset.open(out).validate();
        assertEquals(3, pairs.size());
        assertTrue(pairs.hasConditions());
        assertFalse(pairs.get(0).caption().isBlank());
        PairDataset plain = PairDataset.folder(out).validate();
        assertEquals(3, plain.size());
        assertFalse(plain.hasConditions());
        assertArrayEquals(new long[]{3, 3, 32, 32}, T.shape(new ImageBatches(pairs, 32).batch(new int[]{0, 1, 2}).conditions()));
    }

    @Test
    void badInputIsFoundBeforeTraining() throws Exception {
        png(tmp.resolve("set/source/0.png"), 40, 30, 0);
        png(tmp.resolve("set/target/0.png"), 40, 32, 0);
        var size = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson(
                "{\"source\": \"source/0.png\", \"target\": \"target/0.png\", \"prompt\": \"x\"}")).validate());
        assertTrue(size.getMessage().contains("prompt.json:1") && size.getMessage().contains("40x32") && size.getMessage().contains("40x30"), size.getMessage());

        var missing = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson(
                "{\"source\": \"source/0.png\", \"target\": \"target/nope.png\", \"prompt\": \"x\"}")).validate());
        assertTrue(missing.getMessage().contains("nope.png") && missing.getMessage().contains("no such image file"), missing.getMessage());

        byte[] good = Files.readAllBytes(tmp.resolve("set/source/0.png"));
        Files.write(tmp.resolve("set/target/bad.png"), Arrays.copyOf(good, good.length / 2));
        var corrupt = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson(
                "{\"source\": \"source/0.png\", \"target\": \"target/bad.png\", \"prompt\": \"x\"}")).validate());
        assertTrue(corrupt.getMessage().contains("bad.png") && corrupt.getMessage().contains("corrupt"), corrupt.getMessage());
        Files.write(tmp.resolve("set/target/junk.png"), new byte[]{1, 2, 3, 4});
        var junk = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson(
                "{\"source\": \"source/0.png\", \"target\": \"target/junk.png\", \"prompt\": \"x\"}")).validate());
        assertTrue(junk.getMessage().contains("junk.png"), junk.getMessage());

        var empty = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson("")));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        var noPrompt = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson(
                "{\"source\": \"source/0.png\", \"target\": \"target/0.png\"}")));
        assertTrue(noPrompt.getMessage().contains("prompt.json:1") && noPrompt.getMessage().contains("\"prompt\""), noPrompt.getMessage());
        var notJson = assertThrows(IllegalArgumentException.class, () -> PairDataset.promptJson(promptJson("source,target")));
        assertTrue(notJson.getMessage().contains("not a JSON object"), notJson.getMessage());

        Path dir = tmp.resolve("f");
        Files.createDirectories(dir.resolve("images"));
        Files.writeString(dir.resolve("captions.txt"), "\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairDataset.folder(dir)).getMessage().contains("empty"));
        Files.writeString(dir.resolve("captions.txt"), "a caption without id\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairDataset.folder(dir)).getMessage().contains("<id><TAB><caption>"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairDataset.open(tmp.resolve("none"))).getMessage().contains("no such dataset"));
    }

    @Test
    void resizeShorterSideThenCenterCrop() {
        // 64x48 constant image -> 42x32 -> 32x32 crop, still constant
        float[][] c = new float[3][64 * 48];
        for (float[] p : c) Arrays.fill(p, 0.25f);
        Resize.Planes r = Resize.resizeAndCenterCrop(new Resize.Planes(64, 48, c), 32);
        assertEquals(32, r.width());
        assertEquals(32, r.height());
        for (float v : r.data()[1]) assertEquals(0.25f, v, 1e-6f);
        // a 1-pixel checkerboard halved is uniform grey: the resize filters instead of skipping pixels
        float[][] cb = new float[1][16 * 16];
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) cb[0][y * 16 + x] = (x + y) % 2;
        Resize.Planes h = Resize.resize(new Resize.Planes(16, 16, cb), 8, 8);
        for (int y = 1; y < 7; y++) for (int x = 1; x < 7; x++) assertEquals(0.5f, h.data()[0][y * 8 + x], 0.02f);
        // the crop is centred: a wide image keeps its middle
        float[][] ramp = new float[1][40 * 10];
        for (int y = 0; y < 10; y++) for (int x = 0; x < 40; x++) ramp[0][y * 40 + x] = x;
        Resize.Planes m = Resize.resizeAndCenterCrop(new Resize.Planes(40, 10, ramp), 10);
        assertEquals(10, m.width());
        assertEquals(19.5f, (m.data()[0][4] + m.data()[0][5]) / 2, 1e-4f);
    }

    @Test
    void latentCacheHitsAndKeysOnVae() throws Exception {
        String root = System.getProperty("easel.golden");
        assumeTrue(root != null && Files.isDirectory(Path.of(root, "models/tiny-sd15/vae")), "golden tiny VAE not found");
        Path img = png(tmp.resolve("i/a.png"), 32, 32, 0x336699);
        PairDataset d = PairDataset.folder(writeCaptions(tmp.resolve("i").getParent(), img));
        ImageBatches b = new ImageBatches(d, 16);
        try (AutoencoderKL vae = ComponentFiles.vae(Path.of(root, "models/tiny-sd15/vae"), DType.FP32)) {
            String h = LatentCache.hash(vae);
            assertEquals(16, h.length());
            assertEquals(h, LatentCache.hash(vae));
            LatentCache cache = new LatentCache(tmp.resolve("cache"), h, 16);
            AutoencoderKL.Posterior p1 = cache.posterior(d.get(0).image(), () -> b.image(d.get(0)), vae);
            AutoencoderKL.Posterior p2 = cache.posterior(d.get(0).image(), () -> { throw new AssertionError("not cached"); }, vae);
            assertEquals(1, cache.hits());
            assertEquals(1, cache.misses());
            assertTrue(torch.equal(p1.mean(), p2.mean()));
            assertTrue(torch.equal(p1.logvar(), p2.logvar()));
            assertArrayEquals(new long[]{1, 4, 2, 2}, T.shape(p2.mean()));
            LatentCache other = new LatentCache(tmp.resolve("cache"), "0123456789abcdef", 16);
            other.posterior(d.get(0).image(), () -> b.image(d.get(0)), vae);
            assertEquals(1, other.misses(), "another VAE never reads this VAE's entries");
            LatentCache otherSize = new LatentCache(tmp.resolve("cache"), h, 8);
            otherSize.posterior(d.get(0).image(), () -> new ImageBatches(d, 8).image(d.get(0)), vae);
            assertEquals(1, otherSize.misses());
            Tensor unused = null;
            assertNull(unused);
        }
    }

    private static Path writeCaptions(Path base, Path img) throws Exception {
        Path dir = base.resolve("ds");
        Files.createDirectories(dir.resolve("images"));
        Files.copy(img, dir.resolve("images/a.png"));
        Files.writeString(dir.resolve("captions.txt"), "a\ta blue square\n");
        return dir;
    }
}
