package armd.wire;

import java.nio.ByteBuffer;

/**
 * ICMP echo request and reply (RFC 792 for IPv4; RFC 4443 section 4.1-4.2 for ICMPv6): builds a request,
 * computes the internet checksum (RFC 1071), finds the ICMP message behind an IPv4 header, and decides
 * whether a received message is the reply to our request. Pure: no system calls, no allocation; works on
 * heap and direct buffers with absolute big-endian accessors.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |  v4: 8 request, 0 reply
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  v6: 128 request, 129 reply
 * |           Identifier          |        Sequence Number        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Cookie (8 bytes, armd's payload)             |  echoed back unchanged
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The cookie tells our replies apart from those to another prober that happens to use the same
 * identifier on a raw socket (a raw socket sees every echo reply from the target).
 */
public final class IcmpEcho {
    /** The ICMP echo header: type, code, checksum, identifier, sequence. */
    public static final int HEADER_SIZE = 8;
    /** armd's payload: an 8-byte cookie. */
    public static final int COOKIE_SIZE = 8;
    /** The size of the request armd sends. */
    public static final int REQUEST_SIZE = HEADER_SIZE + COOKIE_SIZE;

    public static final int ECHO_REPLY_V4 = 0;
    public static final int ECHO_REQUEST_V4 = 8;
    public static final int ECHO_REQUEST_V6 = 128;
    public static final int ECHO_REPLY_V6 = 129;

    /** {@link #match} results: the reply to our request. */
    public static final int MATCH = 0;
    /** Shorter than our request, or a malformed IPv4 header. */
    public static final int TRUNCATED = 1;
    /** Not an echo reply (another ICMP type, or code not 0). */
    public static final int NOT_ECHO_REPLY = 2;
    /** IPv4 checksum wrong. */
    public static final int BAD_CHECKSUM = 3;
    /** A reply to another prober. */
    public static final int OTHER_IDENTIFIER = 4;
    /** A reply to an earlier (or later) request of ours: late, so ignored. */
    public static final int OTHER_SEQUENCE = 5;
    /** Our identifier and sequence, but another prober's payload. */
    public static final int OTHER_COOKIE = 6;

    private static final int IPV4_MIN_HEADER = 20;

    private IcmpEcho() {
    }

    /**
     * Writes an echo request at {@code off}: {@code identifier} and {@code sequence} are 16-bit values. The
     * IPv4 checksum is computed here; for ICMPv6 it is left 0 because the kernel computes it over the IPv6
     * pseudo-header. Returns {@link #REQUEST_SIZE}.
     */
    public static int writeRequest(final ByteBuffer buf, final int off, final boolean v6, final int identifier,
                                   final int sequence, final long cookie) {
        buf.put(off, (byte) (v6 ? ECHO_REQUEST_V6 : ECHO_REQUEST_V4));
        buf.put(off + 1, (byte) 0);
        buf.putShort(off + 2, (short) 0);
        buf.putShort(off + 4, (short) identifier);
        buf.putShort(off + 6, (short) sequence);
        buf.putLong(off + HEADER_SIZE, cookie);
        if (!v6) {
            buf.putShort(off + 2, (short) checksum(buf, off, REQUEST_SIZE));
        }
        return REQUEST_SIZE;
    }

    /**
     * The internet checksum (RFC 1071) of {@code len} bytes at {@code off}: the ones' complement of the ones'
     * complement sum of 16-bit words, an odd last byte padded with zero. Over a message that carries a valid
     * checksum the result is 0.
     */
    public static int checksum(final ByteBuffer buf, final int off, final int len) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < len; i += 2) {
            sum += Short.toUnsignedInt(buf.getShort(off + i));
        }
        if (i < len) {
            sum += Byte.toUnsignedInt(buf.get(off + i)) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /**
     * The offset of the ICMP message in an IPv4 datagram of {@code len} bytes at {@code off} (what a raw IPv4
     * socket receives), or -1 when the header is not a valid IPv4 header.
     */
    public static int skipIpv4Header(final ByteBuffer buf, final int off, final int len) {
        if (len < IPV4_MIN_HEADER) {
            return -1;
        }
        final int versionIhl = Byte.toUnsignedInt(buf.get(off));
        final int headerLen = (versionIhl & 0x0f) * 4;
        if ((versionIhl >>> 4) != 4 || headerLen < IPV4_MIN_HEADER || headerLen > len) {
            return -1;
        }
        return off + headerLen;
    }

    /**
     * Classifies the ICMP message of {@code len} bytes at {@code off}: {@link #MATCH} when it is the echo
     * reply to the request with {@code identifier} ({@code -1}: any, when the kernel already matched it),
     * {@code sequence} and {@code cookie}; otherwise why it is ignored.
     */
    public static int match(final ByteBuffer buf, final int off, final int len, final boolean v6,
                            final int identifier, final int sequence, final long cookie) {
        if (len < REQUEST_SIZE) {
            return TRUNCATED;
        }
        final int type = Byte.toUnsignedInt(buf.get(off));
        if (type != (v6 ? ECHO_REPLY_V6 : ECHO_REPLY_V4) || buf.get(off + 1) != 0) {
            return NOT_ECHO_REPLY;
        }
        // ICMPv6 checksums cover a pseudo-header and are verified by the kernel before delivery; raw IPv4
        // sockets get the datagram before icmp_rcv() checks it, so check here
        if (!v6 && checksum(buf, off, len) != 0) {
            return BAD_CHECKSUM;
        }
        if (identifier >= 0 && identifier(buf, off) != (identifier & 0xffff)) {
            return OTHER_IDENTIFIER;
        }
        if (sequence(buf, off) != (sequence & 0xffff)) {
            return OTHER_SEQUENCE;
        }
        if (buf.getLong(off + HEADER_SIZE) != cookie) {
            return OTHER_COOKIE;
        }
        return MATCH;
    }

    /** The ICMP type at {@code off}. */
    public static int type(final ByteBuffer buf, final int off) {
        return Byte.toUnsignedInt(buf.get(off));
    }

    /** The echo identifier of the message at {@code off}. */
    public static int identifier(final ByteBuffer buf, final int off) {
        return Short.toUnsignedInt(buf.getShort(off + 4));
    }

    /** The echo sequence number of the message at {@code off}. */
    public static int sequence(final ByteBuffer buf, final int off) {
        return Short.toUnsignedInt(buf.getShort(off + 6));
    }
}
