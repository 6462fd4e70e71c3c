package armd.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The INI-like syntax that armd's files share (the cluster configuration, the super cluster file): reading a
 * file safely (see {@link FileSafety#configFileProblem}), at most 1 MiB of UTF-8 text, and splitting it into
 * {@code [type]} or {@code [type NAME]} sections of {@code key = value} entries, each problem reported at its line.
 * What the sections and keys mean is the caller's ({@link Grammar}).
 */
final class IniFile {
    /** The largest file read: a configuration is a few KiB; anything bigger is some other file. */
    static final int MAX_FILE_BYTES = 1 << 20;
    /** The longest line: longer ones are refused, so that every problem stays one readable line. */
    private static final int MAX_LINE_CHARS = 8192;
    /** A section's or server's name. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

    private IniFile() {
    }

    /** One {@code key = value} line. */
    record Entry(String key, String value, int line) {
    }

    /** One {@code [type NAME]} section with its entries in file order; type "invalid" for a malformed header. */
    record Section(String type, String name, int line, Map<String, Entry> entries) {
    }

    /** What a file's sections and keys may be. */
    interface Grammar {
        /** Whether section {@code type} takes a name: TRUE, FALSE, or null when there is no such section. */
        Boolean named(String type);

        /** The keys a section of {@code type} may hold. */
        List<String> keys(String type);

        /** The section headers, for messages: {@code [cluster]}, {@code [server NAME]}, ... */
        List<String> headers();

        /** The sections named to a key that comes before any section (the main ones): all by default. */
        default List<String> homes() {
            return headers();
        }
    }

    /**
     * The lines of a file, or the one problem that stops it being read.
     *
     * @param lines   its lines (null when {@code problem} is set)
     * @param problem why it cannot be read, or null
     */
    record Text(List<String> lines, Problem problem) {
    }

    /**
     * Reads {@code file}: a file that is missing, not a regular file, open to others (see
     * {@link FileSafety#configFileProblem}), over 1 MiB or not UTF-8 is one problem.
     */
    static Text read(final Path file, final boolean ownerMustBeRoot) {
        final String unsafe = FileSafety.configFileProblem(file, ownerMustBeRoot);
        if (unsafe != null) {
            return new Text(null, new Problem(file, 0, unsafe));
        }
        final byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            return new Text(null, new Problem(file, 0, "no such file: give the path of the cluster's "
                + "configuration (see conf/armd.conf.example)"));
        } catch (IOException e) {
            return new Text(null, new Problem(file, 0, "cannot read: " + armd.base.OperatorException.reason(e)));
        }
        return decode(bytes, file);
    }

    /** {@code bytes} as lines of UTF-8 text (a byte order mark dropped), or the problem; {@code file} names it. */
    static Text decode(final byte[] bytes, final Path file) {
        if (bytes.length > MAX_FILE_BYTES) {
            return new Text(null, new Problem(file, 0, "larger than " + MAX_FILE_BYTES
                + " bytes: not a configuration file"));
        }
        final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer text = CharBuffer.allocate(bytes.length);
        CoderResult decoded = utf8.decode(in, text, true);
        if (!decoded.isError()) {
            decoded = utf8.flush(text);
        }
        if (decoded.isError()) {
            // the decoder stops at the first malformed byte: name its line, as the lines below are counted
            final int line = new String(bytes, 0, in.position(), StandardCharsets.UTF_8).split("\\R", -1).length;
            return new Text(null, new Problem(file, line, String.format("not UTF-8 text (byte 0x%02x): "
                + "save the file as UTF-8", bytes[in.position()] & 0xff)));
        }
        String s = text.flip().toString();
        if (s.startsWith("\uFEFF")) {
            s = s.substring(1); // a byte order mark some editors write
        }
        return new Text(List.of(s.split("\\R", -1)), null);
    }

    /**
     * The sections of a file, and whether every line was text.
     *
     * @param sections its sections in file order
     * @param text     false when a line was not text (a control character, an endless line): then the caller reports
     *                 only the lines, not what their keys would have set
     */
    record Sections(List<Section> sections, boolean text) {
    }

    /**
     * Splits {@code lines} into sections, reporting to {@code problem} (line, message) every line that is neither a
     * comment, a header of {@code grammar} nor one of its entries.
     */
    static Sections sections(final List<String> lines, final Grammar grammar,
                             final BiConsumer<Integer, String> problem) {
        final List<Section> out = new ArrayList<>();
        boolean allText = true;
        Section current = null;
        for (int i = 0; i < lines.size(); i++) {
            final int lineNo = i + 1;
            if (!text(lines.get(i), lineNo, problem)) {
                allText = false;
                continue;
            }
            final String line = stripComment(lines.get(i)).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                current = header(line, lineNo, grammar, problem);
                if (current != null) {
                    out.add(current);
                }
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq < 0) {
                problem.accept(lineNo, "'" + line + "' is not 'key = value' or a [section]: fix or remove it");
                continue;
            }
            final String key = line.substring(0, eq).strip();
            final String value = line.substring(eq + 1).strip();
            if (key.isEmpty()) {
                problem.accept(lineNo, "no key before '=': write 'key = value'");
                continue;
            }
            if (current != null && current.type().equals("invalid")) {
                continue;
            }
            if (current == null) {
                problem.accept(lineNo, "'" + key + "' comes before any section: put it under "
                    + list(grammar.homes(), "or"));
                continue;
            }
            final List<String> known = grammar.keys(current.type());
            if (!known.contains(key)) {
                problem.accept(lineNo, "unknown key '" + key + "' in [" + current.type() + "]: known keys are "
                    + String.join(", ", known));
                continue;
            }
            if (value.isEmpty()) {
                problem.accept(lineNo, "'" + key + "' has no value: give one or remove the line for the default");
                continue;
            }
            final Entry earlier = current.entries().get(key);
            if (earlier != null) {
                problem.accept(lineNo, "'" + key + "' is set twice in this section (also at line " + earlier.line()
                    + "): keep one");
                continue;
            }
            current.entries().put(key, new Entry(key, value, lineNo));
        }
        return new Sections(List.copyOf(out), allText);
    }

    /** {@code e}'s whole number from {@code min} to {@code max}; {@code def} when absent or (with a problem) wrong. */
    static int integer(final Entry e, final int def, final int min, final int max,
                       final BiConsumer<Integer, String> problem) {
        if (e == null) {
            return def;
        }
        try {
            final int n = Integer.parseInt(e.value());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem.accept(e.line(), e.key() + " '" + e.value() + "' is not a whole number from " + min + " to " + max);
        return def;
    }

    /** {@code e}'s duration ({@code 10ms}, {@code 30s}, {@code 5m}, {@code 1h}) in ms, from min to max. */
    static int duration(final Entry e, final int defMs, final int minMs, final int maxMs,
                        final BiConsumer<Integer, String> problem) {
        if (e == null) {
            return defMs;
        }
        final Matcher m = DURATION.matcher(e.value());
        if (!m.matches()) {
            problem.accept(e.line(), e.key() + " '" + e.value() + "' is not a duration: write a number and a unit, "
                + "e.g. 10ms, 30s, 5m, 1h");
            return defMs;
        }
        final long n = Long.parseLong(m.group(1));
        final long ms = switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
        if (ms < minMs || ms > maxMs) {
            problem.accept(e.line(), e.key() + " " + e.value() + " is out of range: give " + human(minMs) + " to "
                + human(maxMs));
            return defMs;
        }
        return (int) ms;
    }

    private static String human(final int ms) {
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** {@code e} as yes (true, on) or no (false, off). */
    static boolean bool(final Entry e, final boolean def, final BiConsumer<Integer, String> problem) {
        if (e == null) {
            return def;
        }
        return switch (e.value()) {
            case "yes", "true", "on" -> true;
            case "no", "false", "off" -> false;
            default -> {
                problem.accept(e.line(), e.key() + " '" + e.value() + "' is not yes or no");
                yield def;
            }
        };
    }

    /** "a, b, c and d" (or "or d"). */
    private static String list(final List<String> items, final String last) {
        if (items.size() == 1) {
            return items.getFirst();
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " " + last + " " + items.getLast();
    }

    /**
     * Whether {@code line} is text a value may come from: a control character (a NUL cuts a path short in
     * the kernel, an escape sequence rewrites the terminal that shows the problem) or an endless line is a
     * problem, so that every value, whatever its key, is printable and every problem is one line.
     */
    private static boolean text(final String line, final int lineNo, final BiConsumer<Integer, String> problem) {
        if (line.length() > MAX_LINE_CHARS) {
            problem.accept(lineNo, "line of " + line.length() + " characters: a line holds at most "
                + MAX_LINE_CHARS);
            return false;
        }
        for (int i = 0; i < line.length(); i++) {
            final char c = line.charAt(i);
            if (Character.isISOControl(c) && c != '\t') {
                problem.accept(lineNo, String.format("control character U+%04X in this line: a configuration file "
                    + "is text, remove it", (int) c));
                return false;
            }
        }
        return true;
    }

    private static String stripComment(final String line) {
        final String s = line.stripLeading();
        if (s.startsWith("#")) {
            return "";
        }
        for (int i = 1; i < line.length(); i++) {
            if (line.charAt(i) == '#' && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** A section header; a malformed one (with a problem) is an "invalid" section whose entries are skipped. */
    private static Section header(final String line, final int lineNo, final Grammar grammar,
                                  final BiConsumer<Integer, String> problem) {
        if (!line.endsWith("]")) {
            problem.accept(lineNo, "section header '" + line + "' has no closing ']': its entries are skipped");
            return new Section("invalid", "", lineNo, new LinkedHashMap<>());
        }
        final String[] words = line.substring(1, line.length() - 1).strip().split("\\s+");
        final String type = words[0];
        final Boolean named = grammar.named(type);
        if (named == null) {
            problem.accept(lineNo, "unknown section [" + String.join(" ", words) + "]: sections are "
                + list(grammar.headers(), "and"));
            return new Section("invalid", "", lineNo, new LinkedHashMap<>());
        }
        if (!named) {
            if (words.length != 1) {
                problem.accept(lineNo, "[" + type + "] takes no name: write [" + type + "]");
            }
            return new Section(type, "", lineNo, new LinkedHashMap<>());
        }
        if (words.length != 2) {
            problem.accept(lineNo, "write [" + type + " NAME] with one name (letters, digits, '.', '_', '-')");
            return new Section("invalid", "", lineNo, new LinkedHashMap<>());
        }
        if (!NAME.matcher(words[1]).matches()) {
            problem.accept(lineNo, type + " name '" + words[1] + "' is not 1 to 32 letters, digits, '.', '_' "
                + "or '-' (starting with a letter or digit): rename it");
        }
        return new Section(type, words[1], lineNo, new LinkedHashMap<>());
    }
}
