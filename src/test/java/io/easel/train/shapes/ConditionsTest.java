package io.easel.train.shapes;

import io.easel.annotators.Canny;
import io.easel.annotators.Image;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConditionsTest {
    static final ShapesWorld.Options DEF = ShapesWorld.Options.defaults();

    static Map<ConditionKind, Image> all(ShapesWorld.Sample s) {
        Rendered r = ShapesWorld.render(s.scene()), t = ShapesWorld.render(s.styleTwin());
        Map<ConditionKind, Image> m = new EnumMap<>(ConditionKind.class);
        for (ConditionKind k : ConditionKind.values()) m.put(k, k.compute(r, t));
        return m;
    }

    @Test
    void mapsAreExactForTheRender() {
        for (int i = 0; i < 60; i++) {
            ShapesWorld.Sample smp = ShapesWorld.sample(ShapesWorld.sceneSeed(4, 0, i), DEF);
            Scene s = smp.scene();
            Rendered r = ShapesWorld.render(s);
            Map<ConditionKind, Image> m = all(smp);
            int w = s.width(), n = w * s.height(), k = s.objects().size();
            assertEquals(Canny.detect(r.image()), m.get(ConditionKind.CANNY));
            assertEquals(ShapesWorld.render(smp.styleTwin()).image(), m.get(ConditionKind.STYLE));
            for (int p = 0; p < n; p++) {
                int x = p % w, y = p / w, o = r.owner()[p];
                ShapeKind kind = o < 0 ? null : s.objects().get(o).shape();
                assertEquals(o < 0 ? 0 : kind.classId(), m.get(ConditionKind.SEG_LABELS).get(x, y, 0));
                Rgb seg = o < 0 ? new Rgb(0, 0, 0) : kind.segColor();
                Image sm = m.get(ConditionKind.SEG);
                assertEquals(seg, new Rgb((int) sm.get(x, y, 0), (int) sm.get(x, y, 1), (int) sm.get(x, y, 2)));
                assertEquals(o < 0 ? 0 : 255 - 64 * (k - 1 - o), m.get(ConditionKind.DEPTH).get(x, y, 0), "painter's order");
                assertEquals(o < 0 ? 0 : 255, m.get(ConditionKind.ALPHA).get(x, y, 0));
                for (int c = 0; c < 3; c++) {
                    float bg = m.get(ConditionKind.BACKGROUND).get(x, y, c);
                    assertEquals(s.background().at(x, y, w, w).toArray()[c], (int) bg);
                    if (o < 0) assertEquals(bg, r.image().get(x, y, c));
                }
            }
        }
    }

    @Test
    void scribbleIsTheOutlineOnly() {
        for (int i = 0; i < 40; i++) {
            ShapesWorld.Sample smp = ShapesWorld.sample(ShapesWorld.sceneSeed(6, 0, i), DEF);
            Rendered r = ShapesWorld.render(smp.scene());
            Image sc = ConditionKind.SCRIBBLE.compute(r, null);
            int w = r.scene().width();
            int[] own = r.owner();
            for (int y = 0; y < w; y++) {
                for (int x = 0; x < w; x++) {
                    // distance (Chebyshev) to the nearest object border pixel: white exactly within 1
                    boolean near = false;
                    for (int dy = -1; dy <= 1 && !near; dy++) {
                        for (int dx = -1; dx <= 1 && !near; dx++) {
                            int xx = x + dx, yy = y + dy;
                            near = xx >= 0 && yy >= 0 && xx < w && yy < w && border(own, xx, yy, w);
                        }
                    }
                    float v = sc.get(x, y, 0);
                    assertTrue(v == 0 || v == 255);
                    assertEquals(near, v == 255, "scribble at " + x + "," + y);
                }
            }
        }
    }

    private static boolean border(int[] own, int x, int y, int w) {
        int o = own[y * w + x];
        if (o < 0) return false;
        return x == 0 || y == 0 || x == w - 1 || y == w - 1 || own[y * w + x - 1] != o || own[y * w + x + 1] != o
                || own[(y - 1) * w + x] != o || own[(y + 1) * w + x] != o;
    }

    @Test
    void poseIsTheSkeletonOfTheFiguresAndBlackElsewhere() {
        int withFigure = 0;
        for (int i = 0; i < 120; i++) {
            Scene s = ShapesWorld.sample(ShapesWorld.sceneSeed(8, 0, i), DEF).scene();
            Image pose = ConditionKind.POSE.compute(ShapesWorld.render(s), null);
            int w = s.width();
            assertEquals(3, pose.channels());
            boolean[] allowed = new boolean[w * w];
            boolean any = false;
            for (SceneObject o : s.objects()) {
                if (o.shape() != ShapeKind.STICK_FIGURE) continue;
                any = true;
                Box b = o.bbox();
                for (int y = Math.max(0, b.y0() - 2); y < Math.min(w, b.y1() + 2); y++)
                    for (int x = Math.max(0, b.x0() - 2); x < Math.min(w, b.x1() + 2); x++) allowed[y * w + x] = true;
                for (int k = 0; k < 14; k++) {
                    Point p = o.keypoints().get(k);
                    int x = (int) p.x(), y = (int) p.y();
                    float sum = pose.get(x, y, 0) + pose.get(x, y, 1) + pose.get(x, y, 2);
                    assertTrue(sum > 100, "joint " + k + " drawn in scene " + i);
                }
            }
            if (any) withFigure++;
            int lit = 0;
            for (int p = 0; p < w * w; p++) {
                if (!allowed[p] && pose.data()[3 * p] + pose.data()[3 * p + 1] + pose.data()[3 * p + 2] != 0) lit++;
            }
            assertEquals(0, lit, "black away from figures, scene " + i);
        }
        assertTrue(withFigure > 20);
    }

    @Test
    void everyStripeBorderIsACannyEdgeAndGradientsHaveNone() {
        int striped = 0;
        for (int i = 0; i < 90; i++) {
            Scene s = ShapesWorld.sample(ShapesWorld.sceneSeed(10, 0, i), DEF).scene();
            Rendered r = ShapesWorld.render(s);
            Image edges = Canny.detect(r.background());
            int w = s.width(), missed = 0, lit = 0;
            for (int y = 1; y < w - 2; y++) {
                for (int x = 1; x < w - 2; x++) {
                    boolean e = edges.get(x, y, 0) > 0;
                    if (e) lit++;
                    Rgb c = s.background().at(x, y, w, w);
                    if (!c.equals(s.background().at(x + 1, y, w, w)) && !e && edges.get(x + 1, y, 0) == 0) missed++;
                    if (!c.equals(s.background().at(x, y + 1, w, w)) && !e && edges.get(x, y + 1, 0) == 0) missed++;
                }
            }
            if (s.background().kind() == Background.Kind.STRIPED) {
                striped++;
                assertEquals(0, missed, "stripe borders without an edge, scene " + i);
            } else {
                assertEquals(0, lit, s.background().kind() + " background has no edges, scene " + i);
            }
        }
        assertTrue(striped > 15);
    }

    @Test
    void namesRoundTripAndHintsExcludeRawLabels() {
        for (ConditionKind k : ConditionKind.values()) assertEquals(k, ConditionKind.fromName(k.dirName()));
        assertFalse(ConditionKind.SEG_LABELS.isHint());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConditionKind.fromName("hed")).getMessage().contains("canny"));
    }
}
