package armd.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The agent's persisted state: a small versioned key=value text file, replaced atomically on every save
 * ({@link AtomicFile}), so that after kill -9 at any moment it holds the last completed save.
 *
 * <p>Format (version 1), UTF-8, one entry a line, keys sorted:
 * <pre>
 * armd-state 1
 * KEY=VALUE
 * ...
 * end crc32c=XXXXXXXX
 * </pre>
 * Keys match {@code [A-Za-z0-9._:/@-]+}. In values, backslash, newline and carriage return are written
 * {@code \\}, {@code \n}, {@code \r}. The last line holds the CRC-32C (8 lowercase hex digits) of every byte
 * before it, so a damaged file is told apart from an old one.
 *
 * <p>Not thread-safe: one owner (the agent thread) saves and loads.
 */
public final class StateStore {
    /** The first line of a version-1 file. */
    public static final String HEADER = "armd-state 1";

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:/@-]+");
    private static final String END = "end crc32c=";

    private final Path file;

    /** A store kept in {@code file}. */
    public StateStore(final Path file) {
        this.file = file;
    }

    /**
     * The store {@code state} in {@code dir}, creating {@code dir} (mode 0700) if needed. The agent passes
     * its per-server directory ({@code stateDir/SERVER}).
     */
    public static StateStore inDirectory(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        }
        return new StateStore(dir.resolve("state"));
    }

    /** The file this store lives in. */
    public Path file() {
        return file;
    }

    /**
     * The last saved state; an empty map when nothing was ever saved. A file that is not a complete version-1
     * state (bad header, bad line, checksum mismatch) throws {@link CorruptStateException}.
     */
    public Map<String, String> load() throws IOException {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        return decode(bytes, file.toString());
    }

    /** Replaces the saved state with {@code state}, atomically and durably (returns after fsync). */
    public void save(final Map<String, String> state) throws IOException {
        AtomicFile.write(file, encode(state));
    }

    /** The file content for {@code state}. */
    static byte[] encode(final Map<String, String> state) {
        final StringBuilder sb = new StringBuilder(64 + 32 * state.size()).append(HEADER).append('\n');
        for (final Map.Entry<String, String> e : new TreeMap<>(state).entrySet()) {
            if (!KEY.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("state key '" + e.getKey() + "' is not [A-Za-z0-9._:/@-]+");
            }
            sb.append(e.getKey()).append('=');
            escape(e.getValue(), sb);
            sb.append('\n');
        }
        final byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        final String end = END + String.format("%08x", crc(body, body.length)) + "\n";
        final byte[] tail = end.getBytes(StandardCharsets.US_ASCII);
        final byte[] all = new byte[body.length + tail.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(tail, 0, all, body.length, tail.length);
        return all;
    }

    /** Parses a file's content; {@code name} is for messages. */
    static Map<String, String> decode(final byte[] bytes, final String name) throws CorruptStateException {
        // the checksum line: the last line, after the last '\n' that is not the final byte
        if (bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
            throw new CorruptStateException(name + ": incomplete state file (no final newline)");
        }
        int endStart = bytes.length - 1;
        while (endStart > 0 && bytes[endStart - 1] != '\n') {
            endStart--;
        }
        final String endLine = new String(bytes, endStart, bytes.length - 1 - endStart, StandardCharsets.US_ASCII);
        if (!endLine.startsWith(END) || endLine.length() != END.length() + 8) {
            throw new CorruptStateException(name + ": incomplete state file (no checksum line)");
        }
        final long want;
        try {
            want = Long.parseLong(endLine.substring(END.length()), 16);
        } catch (NumberFormatException e) {
            throw new CorruptStateException(name + ": bad checksum line '" + endLine + "'");
        }
        if (crc(bytes, endStart) != want) {
            throw new CorruptStateException(name + ": checksum mismatch: the file is damaged");
        }
        final String body = new String(bytes, 0, endStart, StandardCharsets.UTF_8);
        final String[] lines = body.split("\n", -1);
        if (!lines[0].equals(HEADER)) {
            throw new CorruptStateException(name + ": not an armd state file of version 1 (first line '"
                + lines[0] + "')");
        }
        final Map<String, String> out = new TreeMap<>();
        // lines[last] is the empty string after the body's final '\n'
        for (int i = 1; i < lines.length - 1; i++) {
            final String line = lines[i];
            final int eq = line.indexOf('=');
            if (eq <= 0 || !KEY.matcher(line.substring(0, eq)).matches()) {
                throw new CorruptStateException(name + ":" + (i + 1) + ": not KEY=VALUE");
            }
            out.put(line.substring(0, eq), unescape(line.substring(eq + 1), name, i + 1));
        }
        return Collections.unmodifiableMap(out);
    }

    private static long crc(final byte[] bytes, final int len) {
        final CRC32C c = new CRC32C();
        c.update(bytes, 0, len);
        return c.getValue();
    }

    private static void escape(final String v, final StringBuilder sb) {
        for (int i = 0; i < v.length(); i++) {
            final char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
    }

    private static String unescape(final String v, final String name, final int line)
        throws CorruptStateException {
        if (v.indexOf('\\') < 0) {
            return v;
        }
        final StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            final char c = v.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i == v.length()) {
                throw new CorruptStateException(name + ":" + line + ": value ends in a lone backslash");
            }
            switch (v.charAt(i)) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                default -> throw new CorruptStateException(name + ":" + line + ": unknown escape \\" + v.charAt(i));
            }
        }
        return sb.toString();
    }

    /** The state file exists but is not a complete, undamaged version-1 file. */
    public static final class CorruptStateException extends IOException {
        private static final long serialVersionUID = 1L;

        /** {@code message} names the file. */
        public CorruptStateException(final String message) {
            super(message);
        }
    }
}
