package armd.config;

import armd.config.Keys.Key;
import armd.config.Keys.Section;
import armd.config.Keys.Table;

import java.util.List;

/**
 * The reference of every section and key of the cluster configuration and the super cluster file, rendered from
 * the table the parsers check with ({@link Keys}): in Markdown ({@code armd check --keys}, docs/configuration.md).
 */
public final class KeyReference {
    private KeyReference() {
    }

    /** Both files' sections and keys in Markdown, one table per section and per resource or monitor type. */
    public static String markdown() {
        final StringBuilder out = new StringBuilder();
        markdown(out, "The cluster configuration (armd.conf)", Keys.CLUSTER);
        out.append('\n');
        markdown(out, "The super cluster file", Keys.SUPER);
        return out.toString();
    }

    // ------------------------------------------------------------------------------------------- Markdown

    private static void markdown(final StringBuilder out, final String title, final Table t) {
        out.append("## ").append(title).append('\n');
        for (final Section s : t.sections()) {
            out.append("\n### ").append(s.header()).append("\n\n").append(sentence(s.help())).append('\n');
            rows(out, common(t, s));
            for (final String v : t.variants(s.type())) {
                out.append("\n#### ").append(s.header()).append(" with type = ").append(v).append('\n');
                rows(out, variant(t, s, v));
            }
        }
    }

    private static void rows(final StringBuilder out, final List<Key> keys) {
        out.append("\n| key | type | default | values | what it does |\n|---|---|---|---|---|\n");
        for (final Key k : keys) {
            out.append("| `").append(k.name()).append("` | ").append(k.type().label()).append(" | ")
                .append(cell(k.def())).append(" | ").append(cell(k.range())).append(" | ").append(cell(k.help()))
                .append(" |\n");
        }
    }

    private static String cell(final String text) {
        return text.replace("|", "\\|");
    }

    private static List<Key> common(final Table t, final Section s) {
        return t.keys().stream().filter(k -> k.section().equals(s.type()) && k.variant() == null).toList();
    }

    private static List<Key> variant(final Table t, final Section s, final String v) {
        return t.keys().stream().filter(k -> k.section().equals(s.type()) && v.equals(k.variant())).toList();
    }

    private static String sentence(final String help) {
        return Character.toUpperCase(help.charAt(0)) + help.substring(1) + ".";
    }
}
