package io.easel.annotators;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * Validated option values of one annotator run: every option of the annotator, given or default.
 * Built by {@link Annotator#options(Map)}.
 */
public final class Options {
    private final String annotator;
    private final Map<String, Object> values;

    Options(String annotator, Map<String, Object> values) {
        this.annotator = annotator;
        this.values = Collections.unmodifiableMap(values);
    }

    /** All values by option name (Long, Double, Boolean, String, Path or null). */
    public Map<String, Object> values() {
        return values;
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException(annotator + " has no option '" + name + "'");
        }
        return values.get(name);
    }

    /** An INT option. */
    public int getInt(String name) {
        return Math.toIntExact((Long) get(name));
    }

    /** An INT option as long. */
    public long getLong(String name) {
        return (Long) get(name);
    }

    /** A DOUBLE option. */
    public double getDouble(String name) {
        return (Double) get(name);
    }

    /** A BOOLEAN option. */
    public boolean getBoolean(String name) {
        return (Boolean) get(name);
    }

    /** A CHOICE option, lower case. */
    public String getChoice(String name) {
        return (String) get(name);
    }

    /** A FILE option, or null when not given. */
    public Path getPath(String name) {
        return (Path) get(name);
    }

    @Override
    public String toString() {
        return annotator + values;
    }
}
