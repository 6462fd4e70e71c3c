package armd.base;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The agent's log: one line per event, in one format for the agent's own lines, the lines its scripts print and
 * the JDK's loggers ({@link SystemLoggers}); thread-safe.
 *
 * <p>A line is {@code TIMESTAMP SERVER LEVEL: TEXT} (UTC, microseconds) on standard output, or, when standard
 * error is the journal's stream (systemd's {@code JOURNAL_STREAM} names fd 2), {@code <PRIORITY>SERVER LEVEL: TEXT}
 * on standard error: the journal adds its own timestamp and reads the syslog priority from the prefix.
 *
 * <p>Every line is escaped here, whole, and nowhere else: control characters (newlines too), escape sequences,
 * bytes that were not UTF-8 ({@link #decode}), bidirectional overrides and the backslash itself are written as
 * visible escapes, so text from outside (script output, control requests, armlog messages) can never start a
 * line of its own or repaint the operator's terminal.
 *
 * <p>An error or warning repeated with the same text is written once, then counted: "repeated N times" at most
 * once a minute while it goes on, and once more when it has stopped.
 */
public final class AgentLog {
    /** Severity, with its syslog priority. */
    public enum Level {
        /** Something failed: an operation, a script, a resource, a save. */
        ERROR(3),
        /** Degraded or unexpected, and handled: a refused priority, a lazy detach, a retried conflict. */
        WARNING(4),
        /** What the cluster does: transitions, scripts, operations. */
        INFO(6),
        /** Detail for a developer. */
        DEBUG(7);

        private final int priority;
        private final String label;

        Level(final int priority) {
            this.priority = priority;
            this.label = name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The syslog priority (3 err, 4 warning, 6 info, 7 debug). */
        public int priority() {
            return priority;
        }

        /** The word written in a line. */
        public String label() {
            return label;
        }

        /** The level named {@code name} (error, warning, info, debug), or null. */
        public static Level of(final String name) {
            for (final Level l : values()) {
                if (l.label.equals(name)) {
                    return l;
                }
            }
            return null;
        }
    }

    /** How lines are written. */
    public enum Format {
        /** A UTC timestamp first: for a terminal, a file, or a pipe. */
        TIMESTAMPED,
        /** The syslog priority prefix and no timestamp: for the journal's stream. */
        JOURNAL
    }

    /** How long identical errors or warnings are counted before their count is written. */
    public static final long REPEAT_WINDOW_NS = 60_000_000_000L;
    /** Distinct repeated texts remembered at once (the oldest is reported and forgotten first). */
    private static final int MAX_REPEATS = 64;
    private static final DateTimeFormatter TS =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final String server;
    private final PrintStream out;
    private final Format format;
    /** Changed at run time by a configuration reload ({@code [cluster] log-level}). */
    private volatile Level threshold;
    private final LongSupplier nanoClock;
    /** Recent errors and warnings by text; guarded by {@code this}. */
    private final Map<String, Repeat> repeats = new LinkedHashMap<>();

    private static final class Repeat {
        final Level level;
        long windowStartNs;
        long count;

        Repeat(final Level level, final long nowNs) {
            this.level = level;
            this.windowStartNs = nowNs;
        }
    }

    /** Timestamped lines to {@code out}, prefixed with {@code server}; info and above. */
    public AgentLog(final String server, final PrintStream out) {
        this(server, out, Format.TIMESTAMPED, Level.INFO, System::nanoTime);
    }

    /** Lines of {@code format} to {@code out}, {@code threshold} and above; {@code nanoClock} times repeats. */
    public AgentLog(final String server, final PrintStream out, final Format format, final Level threshold,
                    final LongSupplier nanoClock) {
        this.server = server;
        this.out = out;
        this.format = format;
        this.threshold = threshold;
        this.nanoClock = nanoClock;
    }

    /**
     * The log of a process: journal lines on standard error when it is the journal's stream (JOURNAL_STREAM), else
     * timestamped lines on standard output.
     */
    public static AgentLog forProcess(final String server, final Level threshold) {
        final boolean journal = stderrIsJournal(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));
        return new AgentLog(server, journal ? System.err : System.out, journal ? Format.JOURNAL : Format.TIMESTAMPED,
            threshold, System::nanoTime);
    }

    /**
     * Whether {@code journalStream} ("DEV:INODE", as systemd sets JOURNAL_STREAM) names the file {@code fd}
     * (a /proc/self/fd link) is open on. A process whose stderr was redirected after systemd started it keeps
     * the variable, so the variable alone is not enough.
     */
    static boolean stderrIsJournal(final String journalStream, final Path fd) {
        if (journalStream == null) {
            return false;
        }
        final int colon = journalStream.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        try {
            final long dev = Long.parseUnsignedLong(journalStream.substring(0, colon));
            final long ino = Long.parseUnsignedLong(journalStream.substring(colon + 1));
            return ((Number) Files.getAttribute(fd, "unix:dev")).longValue() == dev
                && ((Number) Files.getAttribute(fd, "unix:ino")).longValue() == ino;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The format lines are written in. */
    public Format format() {
        return format;
    }

    /** The lowest level written. */
    public Level threshold() {
        return threshold;
    }

    /** Writes lines of {@code level} and above from now on (a configuration reload); thread-safe. */
    public void threshold(final Level level) {
        this.threshold = level;
    }

    /** Whether lines of {@code level} are written. */
    public boolean enabled(final Level level) {
        return level.ordinal() <= threshold.ordinal();
    }

    /** Writes one info line (the agent's ordinary events). */
    public void line(final String text) {
        log(Level.INFO, text);
    }

    /** Writes one error line. */
    public void error(final String text) {
        log(Level.ERROR, text);
    }

    /** Writes one warning line. */
    public void warning(final String text) {
        log(Level.WARNING, text);
    }

    /** Writes one info line. */
    public void info(final String text) {
        log(Level.INFO, text);
    }

    /** Writes one debug line (only when the threshold is debug). */
    public void debug(final String text) {
        log(Level.DEBUG, text);
    }

    /**
     * Writes {@code text} at {@code level} even when the same error or warning was just written: for the answer
     * to an operator's request (a reload), which must be in the log each time it is asked for.
     */
    public void answer(final Level level, final String text) {
        if (!enabled(level)) {
            return;
        }
        final long now = nanoClock.getAsLong();
        synchronized (this) {
            reportEnded(now);
            write(level, text);
        }
    }

    /** Writes {@code text} at {@code level}: escaped, one line; repeated errors and warnings are counted. */
    public void log(final Level level, final String text) {
        if (!enabled(level)) {
            return;
        }
        final long now = nanoClock.getAsLong();
        synchronized (this) {
            reportEnded(now);
            if (level.ordinal() <= Level.WARNING.ordinal()) {
                final Repeat r = repeats.get(text);
                if (r != null) {
                    r.count++;
                    return;
                }
                if (repeats.size() == MAX_REPEATS) {
                    final Iterator<Map.Entry<String, Repeat>> oldest = repeats.entrySet().iterator();
                    final Map.Entry<String, Repeat> e = oldest.next();
                    oldest.remove();
                    reportCount(e.getKey(), e.getValue());
                }
                repeats.put(text, new Repeat(level, now));
            }
            write(level, text);
        }
    }

    /** Writes the counts of repeated lines whose window has passed; forgets those that stopped. */
    private void reportEnded(final long now) {
        if (repeats.isEmpty()) {
            return;
        }
        final Iterator<Map.Entry<String, Repeat>> it = repeats.entrySet().iterator();
        while (it.hasNext()) {
            final Map.Entry<String, Repeat> e = it.next();
            final Repeat r = e.getValue();
            if (now - r.windowStartNs < REPEAT_WINDOW_NS) {
                continue;
            }
            if (r.count == 0) {
                it.remove();
            } else {
                reportCount(e.getKey(), r);
                r.windowStartNs = now;
            }
        }
    }

    private void reportCount(final String text, final Repeat r) {
        if (r.count > 0) {
            write(r.level, text + " (repeated " + r.count + (r.count == 1 ? " time)" : " times)"));
            r.count = 0;
        }
    }

    /** Writes every pending "repeated N times" now (before the process ends). */
    public void flush() {
        synchronized (this) {
            for (final Map.Entry<String, Repeat> e : repeats.entrySet()) {
                reportCount(e.getKey(), e.getValue());
            }
            repeats.clear();
        }
    }

    private void write(final Level level, final String text) {
        final StringBuilder sb = new StringBuilder(48 + text.length());
        if (format == Format.JOURNAL) {
            sb.append('<').append(level.priority()).append('>');
        } else {
            TS.formatTo(Instant.now(), sb);
            sb.append(' ');
        }
        sb.append(server).append(' ').append(level.label()).append(": ").append(text);
        final String l = escape(sb);
        synchronized (out) {
            out.println(l);
            out.flush();
        }
    }

    /**
     * {@code s} with everything that could end a line, repaint a terminal or hide text written visibly:
     * backslash {@code \\}, newline {@code \n}, carriage return {@code \r}, tab {@code \t}, other C0 and C1
     * controls, DEL and escape {@code \xNN}, a byte that was not UTF-8 ({@link #decode}) {@code \xNN}, other lone
     * surrogates, line and paragraph separators and bidirectional controls {@code \\uXXXX}. Printable text, UTF-8
     * included, is kept as it is.
     */
    public static String escape(final CharSequence s) {
        int i = 0;
        final int n = s.length();
        while (i < n && !special(s, i)) {
            i++;
        }
        if (i == n) {
            return s.toString();
        }
        final StringBuilder sb = new StringBuilder(n + 16);
        sb.append(s, 0, i);
        for (; i < n; i++) {
            final char c = s.charAt(i);
            if (!special(s, i)) {
                sb.append(c);
                if (Character.isHighSurrogate(c)) {
                    sb.append(s.charAt(++i));
                }
                continue;
            }
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x100) {
                        hex(sb.append("\\x"), c, 2);
                    } else if (c >= 0xdc80 && c <= 0xdcff) {
                        hex(sb.append("\\x"), c - 0xdc00, 2);
                    } else {
                        hex(sb.append("\\u"), c, 4);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static void hex(final StringBuilder sb, final int v, final int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            sb.append(Character.forDigit((v >> shift) & 0xf, 16));
        }
    }

    /** Whether the char at {@code i} must be escaped (a valid surrogate pair's high half is not). */
    private static boolean special(final CharSequence s, final int i) {
        final char c = s.charAt(i);
        if (c >= 0x20 && c < 0x7f) {
            return c == '\\';
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
            || c == 0x200e || c == 0x200f || c == 0x061c;
    }

    /**
     * Bytes from outside as text, losing nothing: valid UTF-8 is decoded, and each byte that is not part of a valid
     * sequence becomes the lone surrogate U+DC80+byte (as Python's "surrogateescape"), which {@link #escape} writes
     * as {@code \xNN}.
     */
    public static String decode(final byte[] b, final int off, final int len) {
        final StringBuilder sb = new StringBuilder(len);
        final int end = off + len;
        int i = off;
        while (i < end) {
            final int c = b[i] & 0xff;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            final int need;
            final int min;
            int cp;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
                min = 0x80;
                cp = c & 0x1f;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                min = 0x800;
                cp = c & 0x0f;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                min = 0x10000;
                cp = c & 0x07;
            } else {
                sb.append((char) (0xdc00 + c));
                i++;
                continue;
            }
            boolean ok = i + need < end;
            for (int k = 1; ok && k <= need; k++) {
                final int cc = b[i + k] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    ok = false;
                } else {
                    cp = (cp << 6) | (cc & 0x3f);
                }
            }
            if (ok && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
                sb.appendCodePoint(cp);
                i += need + 1;
            } else {
                sb.append((char) (0xdc00 + c));
                i++;
            }
        }
        return sb.toString();
    }
}
