package io.easel.api;

import io.easel.sampling.SamplerKind;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The A1111 {@code parameters} text: the prompt, an optional "Negative prompt:" line, then
 * comma-separated "Key: value" settings. Written into every PNG and read back by
 * {@code easel generate --from IMAGE.png}.
 */
public final class GenerationParameters {
    private GenerationParameters() {}

    /** The text for image {@code index} of a run. */
    public static String format(GenerationRequest r, long seed, int index, String model, String dtype) {
        StringBuilder sb = new StringBuilder(r.prompt());
        if (!r.negativePrompt().isEmpty()) sb.append("\nNegative prompt: ").append(r.negativePrompt());
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("Steps", Integer.toString(r.steps()));
        kv.put("Sampler", r.sampler().displayName());
        kv.put("CFG scale", num(r.cfg()));
        kv.put("Seed", Long.toString(seed));
        kv.put("Size", r.width() + "x" + r.height());
        if (model != null) kv.put("Model", model);
        if (r.clipSkip() > 1) kv.put("Clip skip", Integer.toString(r.clipSkip()));
        if (r.eta() != 0) kv.put("Eta", num(r.eta()));
        if (r.initImage() != null) kv.put("Denoising strength", num(r.strength()));
        if (r.batch() > 1) {
            kv.put("Batch size", Integer.toString(r.batch()));
            kv.put("Batch pos", Integer.toString(index));
        }
        int i = 0;
        for (GenerationRequest.ControlUnitSpec c : r.controls()) {
            String name = c.model() == null ? "?" : c.model().getFileName().toString();
            kv.put("ControlNet " + i++, "\"Model: " + name + ", Weight: " + num(c.weight()) + ", Guidance Start: " + num(c.start())
                    + ", Guidance End: " + num(c.end()) + (c.annotate() != null ? ", Preprocessor: " + c.annotate() : "") + "\"");
        }
        if (dtype != null) kv.put("Dtype", dtype);
        kv.put("Version", "Easel " + Easel.VERSION);
        StringBuilder line = new StringBuilder();
        kv.forEach((k, v) -> line.append(line.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
        return sb.append('\n').append(line).toString();
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.valueOf(v);
    }

    /** Parsed back: prompt, negative prompt, and the settings by key. */
    public record Parsed(String prompt, String negativePrompt, Map<String, String> settings) {
        /** Applies what the text says to a builder (prompt, negative, steps, sampler, cfg, seed, size, clip skip, eta, batch). */
        public GenerationRequest.Builder toBuilder() {
            GenerationRequest.Builder b = GenerationRequest.builder(prompt).negative(negativePrompt);
            String v;
            if ((v = settings.get("Steps")) != null) b.steps(Integer.parseInt(v));
            if ((v = settings.get("Sampler")) != null) b.sampler(SamplerKind.parse(v));
            if ((v = settings.get("CFG scale")) != null) b.cfg(Double.parseDouble(v));
            if ((v = settings.get("Seed")) != null) b.seed(Long.parseLong(v));
            if ((v = settings.get("Size")) != null) {
                String[] wh = v.toLowerCase(Locale.ROOT).split("x");
                b.size(Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim()));
            }
            if ((v = settings.get("Clip skip")) != null) b.clipSkip(Integer.parseInt(v));
            if ((v = settings.get("Eta")) != null) b.eta(Double.parseDouble(v));
            if ((v = settings.get("Batch size")) != null) b.batch(Integer.parseInt(v));
            return b;
        }
    }

    public static Parsed parse(String text) {
        String[] lines = text.split("\n", -1);
        int last = lines.length - 1;
        while (last > 0 && lines[last].isBlank()) last--;
        StringBuilder prompt = new StringBuilder();
        String negative = "";
        boolean inNegative = false;
        for (int i = 0; i < last; i++) {
            if (lines[i].startsWith("Negative prompt:")) { negative = lines[i].substring(16).trim(); inNegative = true; }
            else if (inNegative) negative += "\n" + lines[i];
            else prompt.append(prompt.length() == 0 ? "" : "\n").append(lines[i]);
        }
        Map<String, String> kv = new LinkedHashMap<>();
        String settings = lines[last];
        int i = 0;
        while (i < settings.length()) {
            int colon = settings.indexOf(':', i);
            if (colon < 0) break;
            String key = settings.substring(i, colon).trim();
            int j = colon + 1;
            while (j < settings.length() && settings.charAt(j) == ' ') j++;
            int end;
            if (j < settings.length() && settings.charAt(j) == '"') {
                end = settings.indexOf('"', j + 1);
                if (end < 0) end = settings.length() - 1;
                kv.put(key, settings.substring(j + 1, end));
                end = settings.indexOf(',', end);
            } else {
                end = settings.indexOf(',', j);
                kv.put(key, (end < 0 ? settings.substring(j) : settings.substring(j, end)).trim());
            }
            if (end < 0) break;
            i = end + 1;
        }
        return new Parsed(prompt.toString(), negative, kv);
    }
}
