package io.easel.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading diffusers/transformers config.json files: typed getters with defaults, and refusals by name. */
public final class ConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonNode node;
    private final String where;

    private ConfigJson(JsonNode node, String where) { this.node = node; this.where = where; }

    public static ConfigJson read(Path file) {
        try {
            return new ConfigJson(JSON.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read config (" + e.getMessage() + ")", e);
        }
    }

    public static ConfigJson of(JsonNode node, String where) { return new ConfigJson(node, where); }

    public boolean has(String key) { return node.hasNonNull(key); }

    /**
     * A nested object (transformers' {@code text_config}, {@code vision_config}).
     *
     * @throws IllegalArgumentException naming the file and key when it is absent or not an object
     */
    public ConfigJson object(String key) {
        if (!node.path(key).isObject()) throw new IllegalArgumentException(where + ": missing '" + key + "'");
        return new ConfigJson(node.get(key), where + " " + key);
    }

    public int getInt(String key, int def) { return has(key) ? node.get(key).asInt() : def; }
    public double getDouble(String key, double def) { return has(key) ? node.get(key).asDouble() : def; }
    public boolean getBool(String key, boolean def) { return has(key) ? node.get(key).asBoolean() : def; }
    public String getString(String key, String def) { return has(key) ? node.get(key).asText() : def; }

    public int requireInt(String key) {
        if (!has(key)) throw new IllegalArgumentException(where + ": missing '" + key + "'");
        return node.get(key).asInt();
    }

    /** An int list, or a single int repeated {@code n} times (diffusers accepts both). */
    public List<Integer> intList(String key, int n, List<Integer> def) {
        if (!has(key)) return def;
        JsonNode v = node.get(key);
        List<Integer> out = new ArrayList<>();
        if (v.isArray()) v.forEach(x -> out.add(x.asInt()));
        else for (int i = 0; i < n; i++) out.add(v.asInt());
        return out;
    }

    public List<String> stringList(String key, List<String> def) {
        if (!has(key)) return def;
        List<String> out = new ArrayList<>();
        node.get(key).forEach(x -> out.add(x.asText()));
        return out;
    }

    /** Refuses a config whose {@code key} is set to anything but null/absent or the allowed value. */
    public void refuseUnless(String key, Object allowed) {
        if (!has(key)) return;
        JsonNode v = node.get(key);
        boolean ok = allowed != null && (v.isNumber() && allowed instanceof Number n ? v.asDouble() == n.doubleValue()
                : v.asText().equals(String.valueOf(allowed)));
        if (!ok) throw new IllegalArgumentException(where + ": unsupported " + key + " = " + v + " (Easel supports the Stable Diffusion 1.x/2.x topology)");
    }

    public String where() { return where; }

    // ---- Writing (the config records' toJson).

    /** The diffusers version written into exported configs: a release whose config format these records mirror. */
    public static final String DIFFUSERS_VERSION = "0.31.0";

    /** A new diffusers config object: {@code _class_name} and {@code _diffusers_version}, fields to follow. */
    public static ObjectNode diffusersConfig(String className) {
        ObjectNode o = JSON.createObjectNode();
        o.put("_class_name", className);
        o.put("_diffusers_version", DIFFUSERS_VERSION);
        return o;
    }

    /**
     * A diffusers config of a UNet-like model (UNet2DConditionModel, ControlNetModel) with the
     * keys both write first: activation, the unused addition embeddings, and the head counts.
     */
    public static ObjectNode diffusersUNetConfig(String className, List<Integer> attentionHeadDim) {
        ObjectNode o = diffusersConfig(className);
        o.put("act_fn", "silu");
        o.putNull("addition_embed_type");
        o.put("addition_embed_type_num_heads", 64);
        o.putNull("addition_time_embed_dim");
        // diffusers' misnomer: attention_head_dim holds the head count; one number when every block agrees, as SD1's configs write it.
        if (attentionHeadDim.stream().distinct().count() == 1) o.put("attention_head_dim", attentionHeadDim.get(0));
        else o.set("attention_head_dim", ints(attentionHeadDim));
        return o;
    }

    /** An empty JSON object, for transformers configs. */
    public static ObjectNode object() { return JSON.createObjectNode(); }

    public static ArrayNode ints(List<Integer> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    public static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    /** Pretty-printed JSON text, as diffusers writes config files. */
    public static String toText(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
