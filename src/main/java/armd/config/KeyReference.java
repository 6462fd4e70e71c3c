package armd.config;

import armd.config.Keys.Key;
import armd.config.Keys.Section;
import armd.config.Keys.Table;

import java.util.List;

/**
 * The reference of every section and key of the cluster configuration and the super cluster file, rendered from
 * the table the parsers check with ({@link Keys}): in Markdown ({@code armd check --keys}, docs/configuration.md)
 * and in roff for the man page ({@code armd check --keys --man}, the generated part of doc/man/armd.conf.5).
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

    /**
     * Both files' sections and keys as man(7) sections: SECTIONS for armd.conf, then SUPER CLUSTER FILE; one
     * subsection per section and per resource or monitor type, one tagged paragraph per key.
     */
    public static String man() {
        final StringBuilder out = new StringBuilder();
        out.append(".SH SECTIONS\n");
        man(out, Keys.CLUSTER);
        out.append(".SH \"SUPER CLUSTER FILE\"\n")
            .append("The file given with \\fB\\-\\-super\\fR, the same on every server of every cluster.\n");
        man(out, Keys.SUPER);
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

    // ------------------------------------------------------------------------------------------- roff

    private static void man(final StringBuilder out, final Table t) {
        for (final Section s : t.sections()) {
            out.append(".SS ").append(heading(s, null)).append('\n').append(text(sentence(s.help()))).append('\n');
            tagged(out, common(t, s));
            for (final String v : t.variants(s.type())) {
                out.append(".SS ").append(heading(s, v)).append('\n');
                tagged(out, variant(t, s, v));
            }
        }
    }

    /**
     * A key as a tagged paragraph: its name, what it does, then its type, default and values on a line, the default
     * ended by a period (some hold commas and semicolons).
     */
    private static void tagged(final StringBuilder out, final List<Key> keys) {
        for (final Key k : keys) {
            out.append(".TP\n.B ").append(argument(k.name())).append('\n')
                .append(text(sentence(k.help()))).append("\n.br\n")
                .append("\\fI").append(escape(k.type().label())).append("\\fR")
                .append(k.def().equals("required") ? ", required" : ", default \\fB" + escape(k.def()) + "\\fR")
                .append(". Values: ").append(escape(period(k.range()))).append('\n');
        }
    }

    /** A subsection's heading as one quoted argument: {@code "[resource \fINAME\fP] with type = ip"}. */
    private static String heading(final Section s, final String variant) {
        final String header = "[" + escape(s.type()) + (s.named() ? " \\fINAME\\fP]" : "]");
        final String title = header + (variant == null ? "" : " with type = " + escape(variant));
        return "\"" + title.replace("\"", "\"\"") + "\"";
    }

    /** Text as a line of its own: escaped, and not taken for a request when it starts with '.' or '''. */
    private static String text(final String line) {
        final String e = escape(line);
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }

    /** A macro's single argument: escaped and quoted when it holds a space or a quote. */
    private static String argument(final String word) {
        final String e = escape(word);
        return e.contains(" ") || e.contains("\"") ? "\"" + e.replace("\"", "\"\"") + "\"" : e;
    }

    /** Backslashes printed as such, and '-' as the minus a reader can copy into a file or command. */
    private static String escape(final String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }

    // ------------------------------------------------------------------------------------------- both

    private static List<Key> common(final Table t, final Section s) {
        return t.keys().stream().filter(k -> k.section().equals(s.type()) && k.variant() == null).toList();
    }

    private static List<Key> variant(final Table t, final Section s, final String v) {
        return t.keys().stream().filter(k -> k.section().equals(s.type()) && v.equals(k.variant())).toList();
    }

    private static String sentence(final String help) {
        return period(Character.toUpperCase(help.charAt(0)) + help.substring(1));
    }

    private static String period(final String text) {
        return text.endsWith(".") ? text : text + ".";
    }
}
