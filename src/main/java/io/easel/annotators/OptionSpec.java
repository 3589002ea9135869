package io.easel.annotators;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One named option of an {@link Annotator}: its type, default, allowed range or choices, and a
 * one-line description. {@link #parse} validates a string value and says, by name, what is wrong.
 *
 * @param name         option name (snake_case, as in the golden {@code case.json} files)
 * @param type         value type
 * @param defaultValue default as a string; {@code null} for an optional file
 * @param min          smallest allowed number (INT, DOUBLE)
 * @param max          largest allowed number (INT, DOUBLE)
 * @param choices      allowed values (CHOICE), lower case
 * @param description  one line for help texts
 */
public record OptionSpec(String name, Type type, String defaultValue, double min, double max,
                         List<String> choices, String description) {

    /** Option value types. */
    public enum Type {
        /** A whole number within [min, max]. */
        INT,
        /** A number within [min, max]. */
        DOUBLE,
        /** true/false (also yes/no, 1/0). */
        BOOLEAN,
        /** One of {@link #choices()}. */
        CHOICE,
        /** Path of an existing file. */
        FILE
    }

    static OptionSpec ofInt(String name, long def, long min, long max, String description) {
        return new OptionSpec(name, Type.INT, Long.toString(def), min, max, List.of(), description);
    }

    static OptionSpec ofDouble(String name, double def, double min, double max, String description) {
        return new OptionSpec(name, Type.DOUBLE, Double.toString(def), min, max, List.of(), description);
    }

    static OptionSpec ofBoolean(String name, boolean def, String description) {
        return new OptionSpec(name, Type.BOOLEAN, Boolean.toString(def), 0, 1, List.of(), description);
    }

    static OptionSpec ofChoice(String name, String def, List<String> choices, String description) {
        return new OptionSpec(name, Type.CHOICE, def, 0, 0, List.copyOf(choices), description);
    }

    static OptionSpec ofFile(String name, String description) {
        return new OptionSpec(name, Type.FILE, null, 0, 0, List.of(), description);
    }

    /**
     * Parses and validates a value given for this option of {@code annotator}.
     *
     * @return a Long (INT), Double (DOUBLE), Boolean, String (CHOICE, lower case) or Path (FILE)
     * @throws IllegalArgumentException naming the annotator, the option and what it accepts
     */
    public Object parse(String annotator, String raw) {
        String v = raw == null ? "" : raw.trim();
        String where = "option '" + name + "' of " + annotator;
        switch (type) {
            case INT -> {
                long x;
                try {
                    x = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    double d = parseDouble(where, v, "a whole number");
                    if (d != Math.rint(d) || Double.isInfinite(d)) {
                        throw new IllegalArgumentException(where + " must be a whole number in " + range() + ", got '" + raw + "'");
                    }
                    x = (long) d;
                }
                if (x < min || x > max) {
                    throw new IllegalArgumentException(where + " must be in " + range() + ", got " + x);
                }
                return x;
            }
            case DOUBLE -> {
                double x = parseDouble(where, v, "a number");
                if (!(x >= min && x <= max)) {
                    throw new IllegalArgumentException(where + " must be in " + range() + ", got " + raw);
                }
                return x;
            }
            case BOOLEAN -> {
                return switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "1", "on" -> true;
                    case "false", "no", "0", "off" -> false;
                    default -> throw new IllegalArgumentException(where + " must be true or false, got '" + raw + "'");
                };
            }
            case CHOICE -> {
                String c = v.toLowerCase(Locale.ROOT);
                if (!choices.contains(c)) {
                    throw new IllegalArgumentException(where + " must be one of " + String.join(", ", choices) + ", got '" + raw + "'");
                }
                return c;
            }
            case FILE -> {
                Path p = Path.of(v);
                if (v.isEmpty() || !Files.isRegularFile(p)) {
                    throw new IllegalArgumentException(where + ": file not found: " + raw);
                }
                return p;
            }
        }
        throw new AssertionError(type);
    }

    private static double parseDouble(String where, String v, String what) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " must be " + what + ", got '" + v + "'");
        }
    }

    /** The allowed range as {@code [min, max]}, whole numbers for INT. */
    public String range() {
        return type == Type.INT ? "[" + (long) min + ", " + (long) max + "]" : "[" + fmt(min) + ", " + fmt(max) + "]";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
