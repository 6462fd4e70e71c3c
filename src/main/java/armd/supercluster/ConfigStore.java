package armd.supercluster;

import armd.state.AtomicFile;
import armd.wire.HmacSha256;
import armd.wire.SuperFrame;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The verified copies of the clusters' configurations a server keeps: one file per cluster,
 * {@code DIR/CLUSTER.copy}, replaced atomically ({@link AtomicFile}) by a higher version, or by the same version with
 * other bytes only when the caller says so ({@link #store(String, long, byte[], boolean)}).
 *
 * <p>File format (version 1): a header of UTF-8 lines, then the configuration's bytes exactly:
 * <pre>
 * armd-super-copy 1
 * cluster west
 * version 4
 * length 1234
 * sha256 HEX64
 * mac HEX64
 * BYTES...
 * </pre>
 * {@code mac} is HMAC-SHA256 with the super key over the header lines before it (newlines included) followed by
 * the bytes, so a truncated, edited or foreign copy (another super cluster key) fails verification: it is
 * reported in one line ({@link #problems()}, {@link Loaded#problem()}) and treated as absent.
 *
 * <p>The copies are read once when the store opens and kept in memory; the files are only written. Thread-safe
 * (one lock: the super service and the agent's poll may share a store).
 */
public final class ConfigStore {
    /** The first line of a version-1 copy. */
    public static final String FORMAT = "armd-super-copy 1";
    /** The file name suffix of a copy. */
    public static final String SUFFIX = ".copy";
    /** Cluster names a copy's file may carry (the configuration file's name syntax, no path separators). */
    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int MAX_HEADER = 512;
    private static final HexFormat HEX = HexFormat.of();

    /** A verified configuration of {@code cluster}. Byte arrays are not copied: treat them as read-only. */
    public record Copy(String cluster, long version, byte[] sha256, byte[] bytes) {
        /** The copy as a HELLO lists it. */
        public SuperFrame.Committed committed() {
            return new SuperFrame.Committed(cluster, version, sha256);
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Copy c && c.cluster.equals(cluster) && c.version == version
                && Arrays.equals(c.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return cluster.hashCode() * 31 + Long.hashCode(version);
        }

        @Override
        public String toString() {
            return cluster + "@" + version + " (" + bytes.length + " bytes)";
        }
    }

    /** A file read back: the copy, or null with the one-line problem (null when the file is simply absent). */
    public record Loaded(Copy copy, String problem) {
    }

    /** What {@link #store} did. */
    public enum Outcome {
        /** Written: the version is higher than the one held (or none was held). */
        STORED,
        /** The same version with the same bytes was already held: nothing written. */
        ALREADY,
        /**
         * Written over the same version with other bytes (allowed by the caller: a REPLICATE from the server this
         * master server promised its vote to; the copy replaced was never acknowledged).
         */
        REPLACED,
        /** Refused: a higher version, or the same version with other bytes, is held ({@code held}). */
        REFUSED
    }

    /** The answer of {@link #store}: the outcome, the version held now, a line for the log when refused or replaced. */
    public record StoreResult(Outcome outcome, long held, String message) {
        /** Whether the version asked for is held now (stored, replaced, or already there). */
        public boolean ok() {
            return outcome != Outcome.REFUSED;
        }
    }

    private final Path dir;
    private final byte[] key;
    private final Map<String, Copy> copies = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();

    private ConfigStore(final Path dir, final byte[] key) {
        this.dir = dir;
        this.key = key.clone();
    }

    /** Where the server named {@code server} keeps its copies: {@code STATE_DIR/SERVER/super}. */
    public static Path directory(final Path stateDir, final String server) {
        return stateDir.resolve(server).resolve("super");
    }

    /**
     * Opens the store in {@code dir} (created with mode 0700 when missing) with the super key, reading and
     * verifying every copy in it; the ones that fail are listed by {@link #problems()} and treated as absent.
     */
    public static ConfigStore open(final Path dir, final byte[] key) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        }
        final ConfigStore store = new ConfigStore(dir, key);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (final Path f : files) {
                final String name = f.getFileName().toString();
                final String cluster = name.substring(0, name.length() - SUFFIX.length());
                if (!CLUSTER.matcher(cluster).matches()) {
                    continue;
                }
                final Loaded loaded = read(f, cluster, key);
                if (loaded.copy() != null) {
                    store.copies.put(cluster, loaded.copy());
                } else if (loaded.problem() != null) {
                    store.problems.add(loaded.problem());
                }
            }
        }
        return store;
    }

    /** The directory of this store. */
    public Path directory() {
        return dir;
    }

    /** The file of {@code cluster}'s copy. */
    public Path file(final String cluster) {
        return dir.resolve(checkedName(cluster) + SUFFIX);
    }

    /** The copies that failed verification when the store opened, one line each (file and why). */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** The verified copy of {@code cluster}, if one is held. */
    public synchronized Optional<Copy> copy(final String cluster) {
        return Optional.ofNullable(copies.get(cluster));
    }

    /** The version held of {@code cluster} (0: none). */
    public synchronized long version(final String cluster) {
        final Copy c = copies.get(cluster);
        return c == null ? 0 : c.version();
    }

    /** Every copy held, by cluster name. */
    public synchronized List<SuperFrame.Committed> committed() {
        return copies.values().stream().map(Copy::committed).toList();
    }

    /**
     * Stores {@code bytes} as {@code version} (positive) of {@code cluster} if it is higher than the version held:
     * written atomically (the old copy stays whole until the new one is on disk). The same version with the same
     * bytes is {@link Outcome#ALREADY}; a lower version, or the same one with other bytes, is refused and left
     * alone. An I/O failure leaves the old copy (in memory and on disk) and is thrown.
     */
    public synchronized StoreResult store(final String cluster, final long version, final byte[] bytes)
        throws IOException {
        return store(cluster, version, bytes, false);
    }

    /**
     * {@link #store(String, long, byte[])}, and, when {@code sameVersionMayReplace}, the same version with other bytes
     * replaces the copy held ({@link Outcome#REPLACED}, with a line for the log). For a REPLICATE from the server
     * this master server has promised its vote to: an unacknowledged push can leave bytes on a minority under a
     * version that a later holder reuses with other bytes (a holder never reuses an acknowledged version: it syncs
     * from its voters first), and without this those copies would never converge. A lower version is still
     * refused.
     */
    public synchronized StoreResult store(final String cluster, final long version, final byte[] bytes,
                                          final boolean sameVersionMayReplace) throws IOException {
        if (version <= 0) {
            throw new IllegalArgumentException("version " + version);
        }
        final Path target = file(cluster);
        final Copy held = copies.get(cluster);
        if (held != null && version < held.version()) {
            return new StoreResult(Outcome.REFUSED, held.version(), "cluster " + cluster + ": version " + version
                + " not stored: version " + held.version() + " is held (" + target + ")");
        }
        if (held != null && version == held.version()) {
            if (Arrays.equals(held.bytes(), bytes)) {
                return new StoreResult(Outcome.ALREADY, version, null);
            }
            if (!sameVersionMayReplace) {
                return new StoreResult(Outcome.REFUSED, held.version(), "cluster " + cluster + ": version " + version
                    + " not stored: another configuration with that version is held (" + target + ")");
            }
        }
        final byte[] sha = SuperFrame.sha256(bytes);
        AtomicFile.write(target, encode(cluster, version, sha, bytes, key));
        copies.put(cluster, new Copy(cluster, version, sha, bytes.clone()));
        if (held != null && version == held.version()) {
            return new StoreResult(Outcome.REPLACED, version, "cluster " + cluster + ": version " + version
                + " replaced by the management server's: the copy held under that version had other bytes (sha256 "
                + HEX.formatHex(held.sha256(), 0, 6) + ", never acknowledged) (" + target + ")");
        }
        return new StoreResult(Outcome.STORED, version, null);
    }

    /** The file content of a copy (header and bytes), MAC'd with {@code key}. */
    static byte[] encode(final String cluster, final long version, final byte[] sha, final byte[] bytes,
                         final byte[] key) {
        final byte[] head = (FORMAT + "\ncluster " + cluster + "\nversion " + version + "\nlength " + bytes.length
            + "\nsha256 " + HEX.formatHex(sha) + "\n").getBytes(StandardCharsets.UTF_8);
        final byte[] mac = mac(key, head, head.length, bytes, 0, bytes.length);
        final byte[] macLine = ("mac " + HEX.formatHex(mac) + "\n").getBytes(StandardCharsets.UTF_8);
        final byte[] out = new byte[head.length + macLine.length + bytes.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(macLine, 0, out, head.length, macLine.length);
        System.arraycopy(bytes, 0, out, head.length + macLine.length, bytes.length);
        return out;
    }

    private static byte[] mac(final byte[] key, final byte[] a, final int aLength, final byte[] b, final int bOffset,
                              final int bLength) {
        final byte[] joined = new byte[aLength + bLength];
        System.arraycopy(a, 0, joined, 0, aLength);
        System.arraycopy(b, bOffset, joined, aLength, bLength);
        final byte[] out = new byte[HmacSha256.MAC_LENGTH];
        new HmacSha256(key).mac(joined, 0, joined.length, out, 0, out.length);
        return out;
    }

    /**
     * Reads and verifies the copy {@code file} of {@code cluster} with {@code key}: the copy, or a one-line
     * problem naming the file (null copy and null problem: no such file). Never throws.
     */
    public static Loaded read(final Path file, final String cluster, final byte[] key) {
        final byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Loaded(null, null);
        } catch (IOException | OutOfMemoryError e) {
            return new Loaded(null, file + ": cannot be read (" + e.getMessage() + "); treated as absent");
        }
        final String problem = verify(data, cluster, key);
        if (problem != null) {
            return new Loaded(null, file + ": " + problem + "; treated as absent");
        }
        return new Loaded(parsed(data, cluster), null);
    }

    /** Why {@code data} is not a valid copy of {@code cluster} under {@code key}, or null. */
    private static String verify(final byte[] data, final String cluster, final byte[] key) {
        final int[] lineEnds = new int[6];
        int found = 0;
        for (int i = 0; i < data.length && i < MAX_HEADER && found < lineEnds.length; i++) {
            if (data[i] == '\n') {
                lineEnds[found++] = i;
            }
        }
        if (found < lineEnds.length) {
            return data.length == 0 ? "empty (truncated)" : "header incomplete (truncated, or not a copy)";
        }
        final String[] lines = new String[lineEnds.length];
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new String(data, start, lineEnds[i] - start, StandardCharsets.UTF_8);
            start = lineEnds[i] + 1;
        }
        if (!lines[0].equals(FORMAT)) {
            return "not a configuration copy (first line is not '" + FORMAT + "')";
        }
        final String[] keys = {"cluster ", "version ", "length ", "sha256 ", "mac "};
        for (int i = 0; i < keys.length; i++) {
            if (!lines[i + 1].startsWith(keys[i])) {
                return "line " + (i + 2) + " should start with '" + keys[i].trim() + "' (edited or damaged)";
            }
        }
        final long length;
        final byte[] mac;
        try {
            length = Long.parseLong(lines[3].substring(keys[2].length()));
            mac = HEX.parseHex(lines[5].substring(keys[4].length()));
        } catch (IllegalArgumentException e) {
            return "bad header (edited or damaged)";
        }
        final int macLineStart = lineEnds[4] + 1;
        final int bodyStart = lineEnds[5] + 1;
        if (length != data.length - bodyStart) {
            return "holds " + (data.length - bodyStart) + " configuration bytes, the header says " + length
                + " (truncated or edited)";
        }
        final byte[] expected = mac(key, data, macLineStart, data, bodyStart, data.length - bodyStart);
        if (mac.length != expected.length || !MessageDigest.isEqual(mac, expected)) {
            return "does not verify (edited, damaged, or written with another super cluster key)";
        }
        // authentic from here: what remains is a copy renamed to another cluster's file, or a bug
        if (!lines[1].substring(keys[0].length()).equals(cluster)) {
            return "is a copy of cluster '" + lines[1].substring(keys[0].length()) + "', not '" + cluster + "'";
        }
        final long version;
        final byte[] sha;
        try {
            version = Long.parseLong(lines[2].substring(keys[1].length()));
            sha = HEX.parseHex(lines[4].substring(keys[3].length()));
        } catch (IllegalArgumentException e) {
            return "bad header (edited or damaged)";
        }
        if (version <= 0) {
            return "version " + version + " (versions are positive)";
        }
        if (!MessageDigest.isEqual(sha, SuperFrame.sha256(Arrays.copyOfRange(data, bodyStart, data.length)))) {
            return "sha256 does not match its configuration";
        }
        return null;
    }

    /** The copy in {@code data}, already verified. */
    private static Copy parsed(final byte[] data, final String cluster) {
        int newlines = 0;
        int bodyStart = 0;
        while (newlines < 6) {
            if (data[bodyStart++] == '\n') {
                newlines++;
            }
        }
        final String head = new String(data, 0, bodyStart, StandardCharsets.UTF_8);
        final String[] lines = head.split("\n");
        final long version = Long.parseLong(lines[2].substring("version ".length()));
        final byte[] sha = HEX.parseHex(lines[4].substring("sha256 ".length()));
        return new Copy(cluster, version, sha, Arrays.copyOfRange(data, bodyStart, data.length));
    }

    private static String checkedName(final String cluster) {
        if (!CLUSTER.matcher(cluster).matches()) {
            throw new IllegalArgumentException("cluster name '" + cluster + "' cannot name a copy file");
        }
        return cluster;
    }
}
