package io.easel.train;

import io.easel.tensor.Module;
import io.easel.tensor.Param;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Chooses the trainable parameters of a module by name: a key is trainable when it matches one
 * of the {@code include} patterns and none of the {@code exclude} patterns. Keys are the diffusers
 * keys of {@link Module#parameters()} ({@code down_blocks.0.resnets.1.conv1.weight}).
 *
 * <p>A pattern is a glob, matched against the whole key: {@code *} matches any run of characters
 * (dots included), {@code ?} one character, everything else itself. A pattern starting with
 * {@code re:} is a Java regular expression, also matched against the whole key.
 * Examples: {@code *} (everything), {@code *.attn2.*} (cross-attention), {@code re:(down|mid)_.*}.
 *
 * @param include patterns of trainable keys; each must match at least one key (a typo is an error)
 * @param exclude patterns removed again from the included keys
 */
public record ParamSelector(List<String> include, List<String> exclude) {
    /** Every parameter. */
    public static final ParamSelector ALL = new ParamSelector(List.of("*"), List.of());
    /** No parameter: a component that is saved with the checkpoints but not trained. */
    public static final ParamSelector NONE = new ParamSelector(List.of(), List.of());

    public ParamSelector {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        for (String p : include) compile(p);
        for (String p : exclude) compile(p);
    }

    /** Trains the keys matching any of {@code include}. */
    public static ParamSelector of(String... include) { return new ParamSelector(List.of(include), List.of()); }

    /** The same inclusions, with {@code patterns} excluded as well. */
    public ParamSelector excluding(String... patterns) {
        List<String> ex = new ArrayList<>(exclude);
        ex.addAll(List.of(patterns));
        return new ParamSelector(include, ex);
    }

    /** Whether {@code key} is trainable under this selector. */
    public boolean matches(String key) {
        boolean in = false;
        for (String p : include) if (compile(p).matcher(key).matches()) { in = true; break; }
        if (!in) return false;
        for (String p : exclude) if (compile(p).matcher(key).matches()) return false;
        return true;
    }

    /**
     * The parameters of {@code m} this selector chooses, in registration order.
     *
     * @throws IllegalArgumentException naming an include pattern that matches no key at all
     */
    public Map<String, Param> select(Module m) {
        Map<String, Param> all = m.parameters();
        for (String p : include) {
            Pattern re = compile(p);
            if (all.keySet().stream().noneMatch(k -> re.matcher(k).matches()))
                throw new IllegalArgumentException("trainable pattern '" + p + "' matches no parameter of " + m.getClass().getSimpleName());
        }
        Map<String, Param> out = new LinkedHashMap<>();
        for (Map.Entry<String, Param> e : all.entrySet()) if (matches(e.getKey())) out.put(e.getKey(), e.getValue());
        return out;
    }

    /** The regular expression a pattern stands for. */
    static Pattern compile(String pattern) {
        if (pattern.startsWith("re:")) {
            try {
                return Pattern.compile(pattern.substring(3));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad parameter pattern '" + pattern + "': " + e.getDescription());
            }
        }
        StringBuilder re = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*' || c == '?') {
                if (lit.length() > 0) { re.append(Pattern.quote(lit.toString())); lit.setLength(0); }
                re.append(c == '*' ? ".*" : ".");
            } else lit.append(c);
        }
        if (lit.length() > 0) re.append(Pattern.quote(lit.toString()));
        return Pattern.compile(re.toString());
    }
}
