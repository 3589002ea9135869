package io.easel.train.shapes;

import io.easel.annotators.Image;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ShapesMetricsTest {
    static final int N = 300;
    static final List<Scene> scenes = new ArrayList<>();
    static final List<Image> images = new ArrayList<>();

    @BeforeAll
    static void render() {
        for (int i = 0; i < N; i++) {
            Scene s = ShapesWorld.sample(ShapesWorld.sceneSeed(77, 1, i), ShapesWorld.Options.defaults()).scene();
            scenes.add(s);
            images.add(ShapesWorld.render(s).image());
        }
    }

    @Test
    void groundTruthScoresPerfectly() {
        ShapesMetrics.Report r = ShapesMetrics.evaluate(images, scenes);
        assertEquals(N, r.scenes());
        assertTrue(r.figures() > 50 && r.relations() > 150, r.toString());
        for (double v : new double[]{r.color(), r.shape(), r.relation(), r.edgeF1(), r.segmentationIoU(), r.poseIoU(), r.posePck()}) {
            assertEquals(1.0, v, r.toString());
        }
        assertEquals(1.0, r.relationFound(), r.toString());
        assertEquals(r.relations(), r.relationsFound());
    }

    @Test
    void mirroredScenesKeepOnlyTheVerticalRelations() {
        // every image flipped left to right: all colours are still found, left of / right of now fail
        List<Image> mirrored = new ArrayList<>();
        int pairs = 0, vertical = 0;
        for (int i = 0; i < N; i++) {
            Image im = images.get(i);
            float[] d = im.data(), m = new float[d.length];
            int w = im.width(), c = im.channels();
            for (int y = 0; y < im.height(); y++)
                for (int x = 0; x < w; x++)
                    System.arraycopy(d, (y * w + x) * c, m, (y * w + (w - 1 - x)) * c, c);
            mirrored.add(new Image(w, im.height(), c, m));
            Scene s = scenes.get(i);
            if (s.relation() == null) continue;
            pairs += s.relation().others().size();
            if (!s.relation().kind().horizontal()) vertical += s.relation().others().size();
        }
        ShapesMetrics.Report r = ShapesMetrics.evaluate(mirrored, scenes);
        assertEquals(pairs, r.relationsFound(), r.toString());
        assertEquals((double) vertical / pairs, r.relationFound(), 1e-12, r.toString());
        assertEquals(r.relation(), r.relationFound(), 1e-12);
    }

    @Test
    void shuffledPairsScoreAtChance() {
        List<Image> shuffled = new ArrayList<>();
        for (int i = 0; i < N; i++) shuffled.add(images.get((i + 1) % N));
        ShapesMetrics.Report r = ShapesMetrics.evaluate(shuffled, scenes);
        // colour is found exactly when the other scene has an object of that colour: chance, computed from the truth
        int objects = 0, colorChance = 0, shapeChance = 0;
        for (int i = 0; i < N; i++) {
            Scene other = scenes.get((i + 1) % N);
            for (SceneObject o : scenes.get(i).objects()) {
                objects++;
                for (SceneObject q : other.objects()) {
                    if (q.color() != o.color()) continue;
                    colorChance++;
                    if (q.shape() == o.shape()) shapeChance++;
                }
            }
        }
        assertEquals((double) colorChance / objects, r.color(), 1e-12, r.toString());
        assertEquals((double) shapeChance / objects, r.shape(), 1e-12, r.toString());
        assertTrue(r.color() < 0.35, r.toString());     // about (mean objects per scene) / 8
        assertTrue(r.shape() < 0.1, r.toString());
        assertTrue(r.relation() < 0.1, r.toString());
        assertTrue(r.edgeF1() < 0.15, r.toString());
        assertTrue(r.segmentationIoU() < 0.05, r.toString());
        assertTrue(r.poseIoU() < 0.05, r.toString());
        assertTrue(r.posePck() < 0.1, r.toString());
    }

    @Test
    void backgroundAloneScoresZero() {
        ShapesMetrics.Accumulator acc = new ShapesMetrics.Accumulator();
        for (int i = 0; i < 50; i++) acc.add(ShapesMetrics.score(ShapesWorld.render(scenes.get(i)).background(), scenes.get(i)));
        ShapesMetrics.Report r = acc.report();
        assertEquals(0.0, r.color());
        assertEquals(0.0, r.shape());
        assertEquals(0.0, r.relation());
        assertEquals(0, r.relationsFound());
        assertTrue(Double.isNaN(r.relationFound()), "no pair to judge");
        assertEquals(0.0, r.segmentationIoU());
        assertEquals(0.0, r.poseIoU());
    }

    @Test
    void colourNoiseDoesNotChangeTheScores() {
        SplittableRandom rng = new SplittableRandom(1);
        List<Image> noisy = new ArrayList<>();
        for (Image im : images.subList(0, 100)) {
            float[] d = im.data().clone();
            for (int i = 0; i < d.length; i++) d[i] = Math.max(0, Math.min(255, d[i] + rng.nextInt(-20, 21)));
            noisy.add(new Image(im.width(), im.height(), 3, d));
        }
        ShapesMetrics.Report r = ShapesMetrics.evaluate(noisy, scenes.subList(0, 100));
        assertEquals(1.0, r.color(), r.toString());
        assertEquals(1.0, r.shape(), r.toString());
        assertEquals(1.0, r.relation(), r.toString());
        assertEquals(1.0, r.segmentationIoU(), r.toString());
        assertEquals(1.0, r.poseIoU(), r.toString());
    }

    @Test
    void promptScoringReadsTheCaption() {
        ShapesMetrics.Accumulator acc = new ShapesMetrics.Accumulator();
        for (int i = 0; i < 100; i++) acc.add(ShapesMetrics.scorePrompt(images.get(i), Captions.parse(scenes.get(i).caption())));
        ShapesMetrics.Report r = acc.report();
        assertEquals(1.0, r.color());
        assertEquals(1.0, r.shape());
        assertEquals(1.0, r.relation());
        assertTrue(Double.isNaN(r.edgeF1()));
        // the caption's relation reversed is false of the image
        Scene s = scenes.stream().filter(q -> q.relation() != null).findFirst().orElseThrow();
        Captions.Caption c = Captions.parse(s.caption());
        RelationKind flip = switch (c.relation()) {
            case LEFT_OF -> RelationKind.RIGHT_OF;
            case RIGHT_OF -> RelationKind.LEFT_OF;
            case ABOVE -> RelationKind.BELOW;
            case BELOW -> RelationKind.ABOVE;
        };
        ShapesMetrics.SceneScore wrong = ShapesMetrics.scorePrompt(ShapesWorld.render(s).image(),
                new Captions.Caption(c.phrases(), flip, c.background()));
        assertEquals(0, wrong.relationHits());
        assertEquals(wrong.relations(), wrong.relationsFound(), "both colours are there; only the ordering is wrong");
    }

    @Test
    void sizeMismatchIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> ShapesMetrics.score(Image.blank(32, 32, 3), scenes.get(0)));
    }
}
