package io.easel.train.recipes;

import io.easel.annotators.Image;
import io.easel.api.Easel;
import io.easel.api.GenerationRequest;
import io.easel.api.GenerationResult;
import io.easel.api.ModelOptions;
import io.easel.api.ProgressListener;
import io.easel.models.ConfigJson;
import io.easel.models.clip.CLIPConfig;
import io.easel.models.clip.CLIPModel;
import io.easel.pipeline.StableDiffusion;
import io.easel.sampling.SamplerKind;
import io.easel.tensor.DType;
import io.easel.text.ClipTokenizer;
import io.easel.train.data.ImageBatches;
import io.easel.train.shapes.ConditionKind;
import io.easel.train.shapes.ShapesDataset;
import io.easel.train.shapes.ShapesEvaluation;
import io.easel.weights.ModuleLoader;
import io.easel.weights.SafeTensors;
import io.easel.weights.TensorSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The default family bundled under {@code models/} (issue #9 item 5): each model loads with the
 * normal loaders and does its job on a few held-out scenes. Easel finds the folder through the
 * {@code easel.home} property that the build sets to the checkout, as the launcher does.
 */
class BundledFamilyTest {
    @TempDir Path tmp;

    static Path home() {
        return Path.of(System.getProperty("easel.home"));
    }

    @Test
    void theWholeFamilyIsBundledWithinBudget() throws IOException {
        assertNotNull(Easel.defaultModel(), "models/easel-shapes (with model_index.json) is bundled");
        assertEquals(List.of("canny", "seg", "pose"), new ArrayList<>(Easel.defaultControlNets().keySet()));
        assertTrue(Files.isRegularFile(home().resolve("models/easel-shapes-clip/model.safetensors")));
        assertTrue(Files.isRegularFile(home().resolve("models/README.md")), "the model card");
        long bytes;
        try (Stream<Path> s = Files.walk(home().resolve("models"))) {
            bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 40L * 1000 * 1000, "all bundled files together under 40 MB, got " + bytes);
    }

    @Test
    void theDefaultModelDrawsThePromptReproducibly() {
        try (Easel e = Easel.open(Easel.defaultModel(), ModelOptions.DEFAULT)) {
            assertEquals(64, e.nativeSize());
            GenerationRequest r = GenerationRequest.builder("a red circle above a blue square").size(64, 64).steps(12).seed(3L).build();
            Image a = e.generate(r, ProgressListener.NONE).images().get(0);
            GenerationResult again = e.generate(r, ProgressListener.NONE);
            assertArrayEquals(a.data(), again.images().get(0).data(), 0f, "same seed, same pixels");
            assertTrue(again.parameters().get(0).contains("a red circle above a blue square"));
            // the prompt steers the picture: the same seed asked for red, then for blue
            GenerationRequest.Builder q = GenerationRequest.builder("a large red square").size(64, 64).steps(12).seed(5L);
            double red = redOverBlue(e.generate(q.build(), ProgressListener.NONE).images().get(0));
            double blue = redOverBlue(e.generate(GenerationRequest.builder("a large blue square").size(64, 64).steps(12).seed(5L).build(),
                    ProgressListener.NONE).images().get(0));
            assertTrue(red > blue + 10, "mean red minus blue (0..255): " + red + " asked for red, " + blue + " asked for blue");
        }
    }

    /** Mean of red minus blue over the pixels, in 8-bit units. */
    static double redOverBlue(Image im) {
        double sum = 0;
        for (int y = 0; y < im.height(); y++)
            for (int x = 0; x < im.width(); x++) sum += im.get(x, y, 0) - im.get(x, y, 2);
        return sum / (im.width() * im.height());
    }

    @Test
    void eachBundledControlNetFollowsItsCondition() {
        List<ShapesEvaluation.Unit> units = new ArrayList<>();
        Easel.defaultControlNets().forEach((k, p) -> units.add(new ShapesEvaluation.Unit(ConditionKind.fromName(k), p)));
        assertEquals(3, units.size());
        try (StableDiffusion sd = StableDiffusion.load(Easel.defaultModel(), io.easel.pipeline.LoadOptions.DEFAULT)) {
            ShapesEvaluation.Result r = ShapesEvaluation.run(sd, units, 8, 0, SamplerKind.DPMPP_2M, 12, 5.0, (w, d, n) -> { });
            for (ShapesEvaluation.Unit u : units) {
                double without = ShapesEvaluation.Result.metric(u.kind(), r.textOnly());
                double with = ShapesEvaluation.Result.metric(u.kind(), r.with().get(u.kind()));
                assertTrue(with > 1.5 * without, u.kind().dirName() + ": " + without + " without control, " + with + " with\n" + r.describe());
            }
            // the VAE's own reconstructions keep colours and positions (the ceiling the eval reports beside the scores)
            assertTrue(r.autoencoder().color() > 0.9 && r.autoencoder().relation() > 0.8, r.describe());
            assertTrue(r.describe().contains("autoencoder ceiling"), r.describe());
        }
    }

    @Test
    void theBundledClipMatchesHeldOutImagesToTheirCaptions() throws IOException {
        Path dir = home().resolve("models/easel-shapes-clip");
        CLIPConfig cfg = CLIPConfig.fromJson(ConfigJson.read(dir.resolve("config.json")));
        CLIPModel clip = new CLIPModel(cfg);
        try (TensorSource src = SafeTensors.open(dir.resolve("model.safetensors"))) {
            ModuleLoader.load(clip, src, DType.FP32, k -> false);
        }
        // 64 scenes of a stream the training never saw (world seed 5)
        ShapesDataset.Options o = ShapesDataset.Options.defaults().withConditions(List.of()).withThreads(1).withHoldout(64);
        ShapesDataset.generate(tmp, 1, 5, o);
        ImageBatches pairs = new ImageBatches(RecipeData.imagesAndCaptions(tmp.resolve("holdout"), "--holdout"), 64);
        ClipRecipe.Metrics m = ClipRecipe.evaluate(clip, pairs, ClipTokenizer.bundled(), 64);
        assertTrue(m.imageToCaptionTop1() > 0.5 && m.captionToImageTop1() > 0.5, m.toString());
        assertTrue(m.chanceTop1() < 0.05, m.toString());
        // its text tower has the architecture of the default model's text encoder (which was then trained on with the UNet)
        assertEquals(cfg.textConfig(), io.easel.pipeline.ComponentFiles.textEncoder(Easel.defaultModel().resolve("text_encoder"), DType.FP32).config());
    }
}
