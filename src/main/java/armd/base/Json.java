package armd.base;

/** A minimal JSON object writer for {@code --json} output: one object per line, keys in call order. */
public final class Json {
    private final StringBuilder sb = new StringBuilder(128).append('{');
    private boolean first = true;

    /** Adds a string member. */
    public Json put(final String key, final String value) {
        key(key);
        if (value == null) {
            sb.append("null");
        } else {
            quote(value);
        }
        return this;
    }

    /** Adds a number member. */
    public Json put(final String key, final long value) {
        key(key);
        sb.append(value);
        return this;
    }

    /** Adds a number member. */
    public Json put(final String key, final double value) {
        key(key);
        sb.append(value);
        return this;
    }

    /** Adds a boolean member. */
    public Json put(final String key, final boolean value) {
        key(key);
        sb.append(value);
        return this;
    }

    /** Adds a member whose value is already JSON (an array or object). */
    public Json putRaw(final String key, final String json) {
        key(key);
        sb.append(json);
        return this;
    }

    private void key(final String key) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        quote(key);
        sb.append(':');
    }

    private void quote(final String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Joins already-encoded JSON values into an array. */
    public static String array(final Iterable<String> jsonValues) {
        final StringBuilder a = new StringBuilder("[");
        boolean firstValue = true;
        for (final String v : jsonValues) {
            if (!firstValue) {
                a.append(',');
            }
            firstValue = false;
            a.append(v);
        }
        return a.append(']').toString();
    }

    @Override
    public String toString() {
        return sb + "}";
    }
}
