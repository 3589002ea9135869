package io.easel.train.shapes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The structured truth of a scene as JSON, one object per line of {@code scenes.jsonl}:
 * <pre>
 * {"id": "000000", "width": 64, "height": 64, "caption": "a red star left of a blue ring",
 *  "background": {"kind": "striped", "colors": [[72,84,96],[150,142,122]],
 *                 "stripes": "vertical", "stripe_width": 4, "stripe_phase": 3},
 *  "objects": [{"shape": "star", "color": "red", "rgb": [220,30,30], "size": "large",
 *               "class_id": 4, "depth": 191, "bbox": [x0,y0,x1,y1], "centre": [x,y], "area": 210,
 *               "anchor": [x,y], "scale": 12.3, "keypoints": [[x,y], ...]}, ...],
 *  "relation": {"subject": 0, "relation": "left of", "others": [1]},
 *  "style_twin": { the twin scene, the same fields without "id" and "style_twin" }}
 * </pre>
 * {@code bbox} is end-exclusive pixels; {@code centre}, {@code anchor} and {@code keypoints} are
 * continuous coordinates (pixel {@code (i, j)} has its centre at {@code (i + 0.5, j + 0.5)});
 * {@code keypoints} (stick figures only) are the 18 OpenPose COCO body keypoints; {@code depth} is
 * the object's value in the depth condition; {@code relation} is null with one object;
 * {@code stripes}, {@code stripe_width} and {@code stripe_phase} appear for striped backgrounds.
 * {@code anchor} and {@code scale} are the geometry the object is drawn from, so a scene read back
 * renders to the same pixels.
 */
public final class SceneJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SceneJson() {}

    /** One line of {@code scenes.jsonl} (no line break). */
    public static String line(String id, Scene scene, Scene styleTwin) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        write(n, scene);
        if (styleTwin != null) write(n.putObject("style_twin"), styleTwin);
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The scene's fields as a JSON object (without id and twin). */
    public static ObjectNode toJson(Scene s) {
        ObjectNode n = JSON.createObjectNode();
        write(n, s);
        return n;
    }

    private static void write(ObjectNode n, Scene s) {
        n.put("width", s.width());
        n.put("height", s.height());
        n.put("caption", s.caption());
        ObjectNode bg = n.putObject("background");
        Background b = s.background();
        bg.put("kind", b.kind().word());
        ArrayNode cols = bg.putArray("colors");
        for (Rgb c : b.colors()) rgb(cols.addArray(), c);
        if (b.kind() == Background.Kind.STRIPED) {
            bg.put("stripes", b.stripes().name().toLowerCase(java.util.Locale.ROOT));
            bg.put("stripe_width", b.stripeWidth());
            bg.put("stripe_phase", b.stripePhase());
        }
        ArrayNode objs = n.putArray("objects");
        int k = s.objects().size();
        for (int i = 0; i < k; i++) {
            SceneObject o = s.objects().get(i);
            ObjectNode on = objs.addObject();
            on.put("shape", o.shape().word());
            on.put("color", o.color().word());
            rgb(on.putArray("rgb"), o.color().rgb());
            on.put("size", o.size().word());
            on.put("class_id", o.shape().classId());
            on.put("depth", 255 - 64 * (k - 1 - i));
            Box bb = o.bbox();
            on.putArray("bbox").add(bb.x0()).add(bb.y0()).add(bb.x1()).add(bb.y1());
            point(on.putArray("centre"), o.centre());
            on.put("area", o.area());
            point(on.putArray("anchor"), o.anchor());
            on.put("scale", o.scale());
            if (!o.keypoints().isEmpty()) {
                ArrayNode kp = on.putArray("keypoints");
                for (Point p : o.keypoints()) point(kp.addArray(), p);
            }
        }
        Relation r = s.relation();
        if (r == null) {
            n.putNull("relation");
        } else {
            ObjectNode rn = n.putObject("relation");
            rn.put("subject", r.subject());
            rn.put("relation", r.kind().words());
            ArrayNode others = rn.putArray("others");
            for (int j : r.others()) others.add(j);
        }
    }

    private static void rgb(ArrayNode a, Rgb c) {
        a.add(c.r()).add(c.g()).add(c.b());
    }

    private static void point(ArrayNode a, Point p) {
        a.add(p.x()).add(p.y());
    }

    /**
     * Parses one line of {@code scenes.jsonl}.
     *
     * @param where names the line in errors ("scenes.jsonl line 3")
     * @throws IllegalArgumentException naming {@code where} and the field on malformed input
     */
    public static Entry parseLine(String line, String where) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException(where + " is not a JSON object");
        String id = text(n, "id", where);
        Scene scene = fromJson(n, where);
        Scene twin = n.hasNonNull("style_twin") ? fromJson(n.get("style_twin"), where + " style_twin") : null;
        return new Entry(id, scene, twin);
    }

    /**
     * One line of {@code scenes.jsonl}.
     *
     * @param id        the scene id (file stem of its images)
     * @param scene     the scene
     * @param styleTwin its style twin, or null
     */
    public record Entry(String id, Scene scene, Scene styleTwin) {}

    /** Reads a scene object written by {@link #toJson}. */
    public static Scene fromJson(JsonNode n, String where) {
        try {
            int w = n.get("width").intValue(), h = n.get("height").intValue();
            JsonNode bn = n.get("background");
            Background.Kind kind = Background.Kind.fromWord(text(bn, "kind", where));
            List<Rgb> cols = new ArrayList<>();
            for (JsonNode c : bn.get("colors")) cols.add(new Rgb(c.get(0).intValue(), c.get(1).intValue(), c.get(2).intValue()));
            Background bg = kind == Background.Kind.STRIPED
                    ? new Background(kind, cols, Background.Stripes.valueOf(text(bn, "stripes", where).toUpperCase(java.util.Locale.ROOT)),
                    bn.get("stripe_width").intValue(), bn.get("stripe_phase").intValue())
                    : new Background(kind, cols, null, 0, 0);
            List<SceneObject> objs = new ArrayList<>();
            for (JsonNode on : n.get("objects")) {
                List<Point> kp = new ArrayList<>();
                if (on.has("keypoints")) for (JsonNode p : on.get("keypoints")) kp.add(point(p));
                JsonNode bb = on.get("bbox");
                objs.add(new SceneObject(ShapeKind.fromWord(text(on, "shape", where)), NamedColor.fromWord(text(on, "color", where)),
                        SizeClass.fromWord(text(on, "size", where)), point(on.get("anchor")), on.get("scale").doubleValue(), kp,
                        new Box(bb.get(0).intValue(), bb.get(1).intValue(), bb.get(2).intValue(), bb.get(3).intValue()),
                        point(on.get("centre")), on.get("area").intValue()));
            }
            Relation rel = null;
            JsonNode rn = n.get("relation");
            if (rn != null && !rn.isNull()) {
                List<Integer> others = new ArrayList<>();
                for (JsonNode j : rn.get("others")) others.add(j.intValue());
                rel = new Relation(rn.get("subject").intValue(), RelationKind.fromWords(text(rn, "relation", where)), others);
            }
            return new Scene(w, h, bg, objs, rel, text(n, "caption", where));
        } catch (NullPointerException e) {
            throw new IllegalArgumentException(where + " misses a field of the scene format", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static Point point(JsonNode a) {
        return new Point(a.get(0).doubleValue(), a.get(1).doubleValue());
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException(where + " has no text field \"" + field + "\"");
        return v.textValue();
    }
}
