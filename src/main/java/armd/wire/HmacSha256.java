package armd.wire;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104, RFC 4231) over one reused {@link MessageDigest}, with the key's inner and outer pads
 * computed once. Unlike {@code javax.crypto.Mac}, whose {@code doFinal} returns a new array each time, a MAC
 * here is written into the caller's array: nothing is allocated per message.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class HmacSha256 {
    /** SHA-256 block size (bytes). */
    public static final int BLOCK_LENGTH = 64;
    /** SHA-256 output size (bytes). */
    public static final int MAC_LENGTH = 32;

    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5c;

    private final MessageDigest digest;
    private final byte[] innerPad = new byte[BLOCK_LENGTH];
    private final byte[] outerPad = new byte[BLOCK_LENGTH];
    private final byte[] inner = new byte[MAC_LENGTH];
    private final byte[] full = new byte[MAC_LENGTH];

    /** A MAC with {@code key} (any length; keys longer than a block are hashed first, RFC 2104 section 2). */
    public HmacSha256(final byte[] key) {
        digest = sha256();
        final byte[] k = key.length > BLOCK_LENGTH ? digest.digest(key) : key;
        for (int i = 0; i < BLOCK_LENGTH; i++) {
            final byte b = i < k.length ? k[i] : 0;
            innerPad[i] = (byte) (b ^ IPAD);
            outerPad[i] = (byte) (b ^ OPAD);
        }
    }

    /** A new SHA-256 digest (the JDK always has one). */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * Writes the first {@code macLength} (1..32) bytes of HMAC-SHA256 of {@code src[offset, offset + length)}
     * into {@code out} at {@code outOffset}.
     */
    public void mac(final byte[] src, final int offset, final int length, final byte[] out, final int outOffset,
                    final int macLength) {
        try {
            digest.reset();
            digest.update(innerPad, 0, BLOCK_LENGTH);
            digest.update(src, offset, length);
            digest.digest(inner, 0, MAC_LENGTH);
            digest.update(outerPad, 0, BLOCK_LENGTH);
            digest.update(inner, 0, MAC_LENGTH);
            digest.digest(full, 0, MAC_LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        System.arraycopy(full, 0, out, outOffset, macLength);
    }

    /**
     * Whether {@code a[aOffset, +length)} equals {@code b[bOffset, +length)}, in time that does not depend on
     * where they differ (no early exit: a forger learns nothing from timing).
     */
    public static boolean constantTimeEquals(final byte[] a, final int aOffset, final byte[] b, final int bOffset,
                                             final int length) {
        int diff = 0;
        for (int i = 0; i < length; i++) {
            diff |= a[aOffset + i] ^ b[bOffset + i];
        }
        return diff == 0;
    }
}
