package armd.config;

import armd.base.Exit;
import armd.base.OperatorException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The cluster key: 32 random bytes shared by every server, which authenticate heartbeats. The file is text:
 * {@code #} comment lines and one line of 64 hexadecimal digits; it must be mode 0600 (or stricter) and, when
 * the agent runs as root, owned by root.
 */
public final class ClusterKey {
    /** Key length in bytes. */
    public static final int LENGTH = 32;

    private ClusterKey() {
    }

    /**
     * The key bytes of {@code file}, refusing a file that is missing, open to group or others, not owned by root
     * (when running as root) or malformed, with a one-line {@link OperatorException} (exit 2).
     */
    public static byte[] load(final Path file) {
        return load(file, FileSafety.runningAsRoot());
    }

    /** {@link #load(Path)} with the ownership rule given. */
    static byte[] load(final Path file, final boolean ownerMustBeRoot) {
        final String unsafe = FileSafety.keyFileProblem(file, ownerMustBeRoot);
        if (unsafe != null) {
            throw new OperatorException(Exit.USAGE, unsafe);
        }
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "cannot read key file " + file + ": "
                + OperatorException.reason(e));
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new OperatorException(Exit.USAGE, "key file " + file + ": " + e.getMessage());
        }
    }

    /** The key in a key file's text; {@link IllegalArgumentException} says what is wrong. */
    static byte[] parse(final String text) {
        String hex = null;
        for (final String raw : text.split("\n", -1)) {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (hex != null) {
                throw new IllegalArgumentException("more than one key line: keep one line of 64 hex digits");
            }
            hex = line;
        }
        if (hex == null) {
            throw new IllegalArgumentException("no key in it: write a new one with 'armd keygen --force'");
        }
        if (hex.length() != 2 * LENGTH || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("the key must be 64 hexadecimal digits (32 bytes), not "
                + hex.length() + " characters: write a new one with 'armd keygen --force'");
        }
        return HexFormat.of().parseHex(hex);
    }

    /** The text of a key file holding {@code key}. */
    public static String format(final byte[] key) {
        return "# armd cluster key: the same file on every server of the cluster, mode 0600, owner root\n"
            + HexFormat.of().formatHex(key) + "\n";
    }

    /** A new random key. */
    public static byte[] generate() {
        final byte[] key = new byte[LENGTH];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
