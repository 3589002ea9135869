package io.easel.train.shapes;

import io.easel.annotators.Image;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ShapesWorldTest {
    static final ShapesWorld.Options DEF = ShapesWorld.Options.defaults();

    static ShapesWorld.Sample sample(long seed, int i, ShapesWorld.Options o) {
        return ShapesWorld.sample(ShapesWorld.sceneSeed(seed, 0, i), o);
    }

    @Test
    void sameSeedSameSceneOtherSeedOtherScene() {
        for (int i = 0; i < 20; i++) {
            assertEquals(sample(11, i, DEF), sample(11, i, DEF));
            assertEquals(ShapesWorld.render(sample(11, i, DEF).scene()).image(), ShapesWorld.render(sample(11, i, DEF).scene()).image());
        }
        int differ = 0;
        for (int i = 0; i < 20; i++) if (!sample(11, i, DEF).equals(sample(12, i, DEF))) differ++;
        assertEquals(20, differ);
        assertNotEquals(ShapesWorld.sceneSeed(1, 0, 5), ShapesWorld.sceneSeed(1, 1, 5), "streams differ");
    }

    /**
     * Pins the world: the pixels and captions of fixed scenes, hashed. A change of any rule,
     * constant or random draw changes every dataset; then bump ShapesDataset.FORMAT and this hash.
     */
    @Test
    void worldIsPinned() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 16; i++) {
            ShapesWorld.Sample s = sample(2024, i, DEF);
            md.update(ShapesWorld.render(s.scene()).image().toBytes());
            md.update(ShapesWorld.render(s.styleTwin()).image().toBytes());
            md.update(s.scene().caption().getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(PINNED, HexFormat.of().formatHex(md.digest()));
    }

    static final String PINNED = "e5aff3debb3d326bf95c632ec9fb43274e4d9ceefc8c94c21e21d44844301ddc";

    @Test
    void scenesFollowTheRules() {
        for (int size : new int[]{64, 128}) {
            ShapesWorld.Options o = DEF.withSize(size);
            int n = size == 64 ? 400 : 120;
            for (int i = 0; i < n; i++) {
                ShapesWorld.Sample smp = sample(7, i, o);
                checkScene(smp.scene(), size);
                checkScene(smp.styleTwin(), size);
                Scene s = smp.scene(), t = smp.styleTwin();
                assertEquals(s.background(), t.background(), "twin shares the background");
                assertEquals(s.objects().size(), t.objects().size());
                for (int j = 0; j < s.objects().size(); j++) {
                    assertEquals(s.objects().get(j).color(), t.objects().get(j).color(), "twin shares the colours");
                    assertNotEquals(s.objects().get(j).shape(), t.objects().get(j).shape(), "twin has other shapes");
                }
            }
        }
    }

    private static void checkScene(Scene s, int size) {
        assertEquals(size, s.width());
        assertEquals(size, s.height());
        int n = s.objects().size(), m = ShapesWorld.margin(size);
        assertTrue(n >= 1 && n <= 3);
        Set<NamedColor> colors = EnumSet.noneOf(NamedColor.class);
        Rendered r = ShapesWorld.render(s);
        for (int i = 0; i < n; i++) {
            SceneObject o = s.objects().get(i);
            assertTrue(colors.add(o.color()), "distinct colours: " + s.caption());
            Box b = o.bbox();
            assertTrue(b.x0() >= 1 && b.y0() >= 1 && b.x1() <= size - 1 && b.y1() <= size - 1, "inside the canvas: " + b);
            // truth fields are the facts of the rendered pixels
            int[] mask = r.masks().get(i);
            assertEquals(o.area(), mask.length);
            SceneObject again = ShapesWorld.withPixels(o.shape(), o.color(), o.size(), o.anchor(), o.scale(), o.keypoints(), mask, size);
            assertEquals(o, again);
            for (int p : mask) assertEquals(i, r.owner()[p], "objects do not overlap");
            for (int j = 0; j < i; j++) {
                Box q = s.objects().get(j).bbox();
                assertTrue(b.gapX(q) >= m || b.gapY(q) >= m, "objects apart by the margin");
            }
            if (o.shape() == ShapeKind.STICK_FIGURE) {
                assertEquals(18, o.keypoints().size());
                assertEquals(0, ShapeDescriptors.of(mask, size, size).holes(), "figures have no holes");
            }
        }
        // relation true of the render, and the caption says it
        Captions.Caption c = Captions.parse(s.caption());
        assertEquals(s.caption(), c.text());
        if (n == 1) {
            assertNull(s.relation());
        } else {
            Relation rel = s.relation();
            for (int j : rel.others()) assertTrue(ShapesWorld.holds(s.objects().get(rel.subject()), rel.kind(), s.objects().get(j), m));
            assertEquals(rel.kind(), c.relation());
            assertEquals(n - 1, rel.others().size());
        }
        List<Integer> order = new ArrayList<>();
        if (s.relation() == null) order.add(0);
        else {
            order.add(s.relation().subject());
            order.addAll(s.relation().others());
        }
        for (int k = 0; k < n; k++) {
            SceneObject o = s.objects().get(order.get(k));
            Captions.Phrase ph = c.phrases().get(k);
            assertEquals(o.color(), ph.color());
            assertEquals(o.shape(), ph.shape());
            if (ph.size() != null) assertEquals(o.size(), ph.size());
        }
        if (c.background() != null) assertEquals(s.background().kind(), c.background());
        // pixels: object colour on its mask, background elsewhere
        Image im = r.image();
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int o = r.owner()[y * size + x];
                Rgb want = o >= 0 ? s.objects().get(o).color().rgb() : s.background().at(x, y, size, size);
                assertEquals(want, new Rgb((int) im.get(x, y, 0), (int) im.get(x, y, 1), (int) im.get(x, y, 2)));
            }
        }
    }

    @Test
    void everyChoiceOccurs() {
        Set<Object> seen = new HashSet<>();
        int[] counts = new int[4];
        int sizeWords = 0, bgWords = 0, objects = 0;
        int n = 600;
        for (int i = 0; i < n; i++) {
            Scene s = sample(3, i, DEF).scene();
            counts[s.objects().size()]++;
            seen.add(s.background().kind());
            if (s.background().stripes() != null) seen.add(s.background().stripes());
            if (s.relation() != null) seen.add(s.relation().kind());
            for (SceneObject o : s.objects()) {
                seen.add(o.shape());
                seen.add(o.color());
                seen.add(o.size());
                objects++;
            }
            Captions.Caption c = Captions.parse(s.caption());
            for (Captions.Phrase p : c.phrases()) if (p.size() != null) sizeWords++;
            if (c.background() != null) bgWords++;
        }
        List<Object> all = new ArrayList<>();
        all.addAll(List.of(ShapeKind.values()));
        all.addAll(List.of(NamedColor.values()));
        all.addAll(List.of(SizeClass.values()));
        all.addAll(List.of(Background.Kind.values()));
        all.addAll(List.of(Background.Stripes.values()));
        all.addAll(List.of(RelationKind.values()));
        for (Object o : all) assertTrue(seen.contains(o), "never drawn: " + o);
        for (int k = 1; k <= 3; k++) assertTrue(counts[k] > n / 5, "scenes with " + k + " objects: " + counts[k]);
        assertEquals(0.5, (double) sizeWords / objects, 0.06);
        assertEquals(0.5, (double) bgWords / n, 0.07);
    }

    @Test
    void optionsRestrictTheWorld() {
        ShapesWorld.Options figures = DEF.withShapes(List.of(ShapeKind.STICK_FIGURE)).withObjects(2, 2).withCaptionRates(1, 0);
        for (int i = 0; i < 30; i++) {
            ShapesWorld.Sample s = sample(5, i, figures);
            assertEquals(2, s.scene().objects().size());
            for (SceneObject o : s.scene().objects()) assertEquals(ShapeKind.STICK_FIGURE, o.shape());
            for (SceneObject o : s.styleTwin().objects()) assertEquals(ShapeKind.STICK_FIGURE, o.shape());
            Captions.Caption c = Captions.parse(s.scene().caption());
            assertNull(c.background());
            for (Captions.Phrase p : c.phrases()) assertNotNull(p.size());
        }
        // kinds are kept in enum order whatever order they come in, so scenes do not depend on it
        assertEquals(sample(5, 0, DEF.withShapes(List.of(ShapeKind.RING, ShapeKind.CIRCLE))),
                sample(5, 0, DEF.withShapes(List.of(ShapeKind.CIRCLE, ShapeKind.RING))));
    }

    @Test
    void badOptionsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DEF.withSize(16)).getMessage().contains("size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DEF.withObjects(2, 4)).getMessage().contains("objects"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DEF.withShapes(List.of())).getMessage().contains("shape"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DEF.withCaptionRates(1.5, 0)).getMessage().contains("rate"));
    }

    @Test
    void coloursAreWellSeparated() {
        NamedColor[] c = NamedColor.values();
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < i; j++) {
                assertTrue(c[i].rgb().distance2(c[j].rgb()) >= 85 * 85, c[i] + " vs " + c[j]);
            }
            for (Rgb a : Background.PALETTE) {
                for (Rgb b : Background.PALETTE) {
                    for (int t = 0; t <= 8; t++) {
                        Rgb mix = a.blend(b, t / 8.0); // gradients pass through blends
                        assertTrue(c[i].rgb().distance2(mix) >= 90 * 90, c[i] + " vs background " + mix);
                    }
                }
            }
        }
    }

    @Test
    void theClassifierKnowsEveryRenderedShape() {
        for (int size : new int[]{48, 64, 128}) {
            ShapesWorld.Options o = DEF.withSize(size);
            int n = size == 128 ? 150 : 500;
            for (int i = 0; i < n; i++) {
                ShapesWorld.Sample smp = sample(9, i, o);
                for (Scene s : List.of(smp.scene(), smp.styleTwin())) {
                    Rendered r = ShapesWorld.render(s);
                    for (int j = 0; j < s.objects().size(); j++) {
                        int[] m = r.masks().get(j);
                        assertEquals(s.objects().get(j).shape(), ShapeTemplates.classify(m, ShapeDescriptors.of(m, size, size), size, size),
                                size + "px scene " + i + ": " + s.caption());
                    }
                }
            }
        }
    }

    @Test
    void descriptorsOfSimpleRegions() {
        int w = 20;
        List<Integer> sq = new ArrayList<>(), ring = new ArrayList<>();
        for (int y = 2; y < 12; y++) {
            for (int x = 3; x < 13; x++) {
                sq.add(y * w + x);
                if (x < 6 || x > 9 || y < 5 || y > 8) ring.add(y * w + x);
            }
        }
        ShapeDescriptors d = ShapeDescriptors.of(sq.stream().mapToInt(Integer::intValue).toArray(), w, w);
        assertEquals(new Box(3, 2, 13, 12), d.bbox());
        assertEquals(100, d.area());
        assertEquals(1.0, d.fill());
        assertEquals(1.0, d.solidity());
        assertEquals(40, d.perimeter());
        assertEquals(new Point(8, 7), d.centre());
        ShapeDescriptors r = ShapeDescriptors.of(ring.stream().mapToInt(Integer::intValue).toArray(), w, w);
        assertEquals(1, r.holes());
        assertEquals(16, r.holeArea());
    }
}
