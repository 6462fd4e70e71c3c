package armd.wire;

import java.nio.ByteBuffer;

/**
 * IPv6 Neighbor Discovery (RFC 4861) for floating IPv6 addresses: the duplicate address probe (a Neighbor
 * Solicitation from the unspecified address to the target's solicited-node group, RFC 4862 section 5.4), the
 * unsolicited Neighbor Advertisement that announces a new holder (RFC 4861 section 7.2.6), and the test of a
 * received message for a conflict. The IPv6 header is built here too: the message goes out through an AF_PACKET
 * socket, which adds only the Ethernet header. Pure: no system calls, no allocation; hardware addresses are 48-bit
 * values in a {@code long}, IPv6 addresses 16-byte arrays owned by the caller.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |  IPv6 header (RFC 8200), bytes 0-39
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        | Next Hdr (58) | Hop Limit(255)|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Source Address (bytes 8-23)                   |
 * |              Destination Address (bytes 24-39)                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Type 135/136 |     Code 0    |          Checksum             |  ICMPv6, bytes 40-
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|S|O|                     Reserved                            |  NS: all reserved; NA: the flags
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Target Address (bytes 48-63)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Option type  | Length (x8)   |  value: a link-layer address  |  1 source, 2 target link-layer address
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The checksum covers the ICMPv6 message and a pseudo-header of source, destination, upper-layer length and next
 * header (RFC 8200 section 8.1). The probe carries no option: a message from the unspecified address must not carry a
 * source link-layer address (RFC 4861 section 7.2.2). The announcement goes to all nodes (ff02::1) from the address
 * itself, with the override flag and the target link-layer address, as Linux sends one: neighbours that have an entry
 * for the address take the new hardware address at once.
 */
public final class Ndp {
    /** The IPv6 header. */
    public static final int IPV6_HEADER_SIZE = 40;
    /** ICMPv6's protocol number (next header). */
    public static final int NEXT_HEADER_ICMPV6 = 58;
    /** Neighbor discovery messages carry 255 and are dropped with any other value (RFC 4861 section 7.1). */
    public static final int HOP_LIMIT = 255;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    /** ICMPv6 header, reserved or flags word, target: the smallest valid NS or NA. */
    public static final int MESSAGE_SIZE = 24;
    /** The probe: IPv6 header and an NS without options. */
    public static final int PROBE_SIZE = IPV6_HEADER_SIZE + MESSAGE_SIZE;
    /** The announcement: IPv6 header and an NA with the target link-layer address option. */
    public static final int ANNOUNCEMENT_SIZE = IPV6_HEADER_SIZE + MESSAGE_SIZE + 8;
    public static final int OPTION_SOURCE_LINK_LAYER = 1;
    public static final int OPTION_TARGET_LINK_LAYER = 2;
    /** NA flags (the first byte of the word after the checksum). */
    public static final int FLAG_ROUTER = 0x80;
    public static final int FLAG_SOLICITED = 0x40;
    public static final int FLAG_OVERRIDE = 0x20;

    /** {@link #conflict} results: nothing to do with the address. */
    public static final int NO_CONFLICT = 0;
    /** Another host uses the address: it advertises it, or solicits from it. */
    public static final int IN_USE = 1;
    /** Another host probes for the address at the same time (RFC 4862 section 5.4.3). */
    public static final int PROBED = 2;

    static final int OFF_PAYLOAD_LENGTH = 4;
    static final int OFF_NEXT_HEADER = 6;
    static final int OFF_HOP_LIMIT = 7;
    static final int OFF_SOURCE = 8;
    static final int OFF_DESTINATION = 24;
    static final int OFF_TYPE = 40;
    static final int OFF_CODE = 41;
    static final int OFF_CHECKSUM = 42;
    static final int OFF_FLAGS = 44;
    static final int OFF_TARGET = 48;
    static final int OFF_OPTIONS = 64;

    /**
     * A classic BPF program (struct sock_filter, linux/filter.h: code in bits 63-48, jt 47-40, jf 39-32, k 31-0) that
     * keeps ICMPv6 neighbour solicitations and advertisements without extension headers and drops every other IPv6
     * packet, for a packet socket whose data starts at the IPv6 header (SOCK_DGRAM): the probe's socket then wakes for
     * neighbour discovery only, whatever else the interface carries.
     */
    public static final long[] SOCKET_FILTER = {
        insn(0x30, 0, 0, OFF_NEXT_HEADER),             // ldb [6]: next header
        insn(0x15, 0, 4, NEXT_HEADER_ICMPV6),           // jeq #58, else drop
        insn(0x30, 0, 0, OFF_TYPE),                     // ldb [40]: ICMPv6 type
        insn(0x15, 1, 0, TYPE_NEIGHBOR_SOLICITATION),   // jeq #135: keep
        insn(0x15, 0, 1, TYPE_NEIGHBOR_ADVERTISEMENT),  // jeq #136: keep, else drop
        insn(0x06, 0, 0, 0xffff),                       // ret #65535: keep the packet
        insn(0x06, 0, 0, 0),                            // ret #0: drop it
    };

    private static long insn(final int code, final int jt, final int jf, final int k) {
        return (long) code << 48 | (long) jt << 40 | (long) jf << 32 | k & 0xffffffffL;
    }

    private Ndp() {
    }

    /**
     * Writes the duplicate address probe for {@code target}: an NS from :: to the target's solicited-node group, hop
     * limit 255, no options. Returns {@link #PROBE_SIZE}; the frame goes to {@link #multicastMac} of that group.
     */
    public static int writeProbe(final ByteBuffer buf, final int off, final byte[] target) {
        ipv6Header(buf, off, MESSAGE_SIZE);
        for (int i = 0; i < 16; i++) {
            buf.put(off + OFF_SOURCE + i, (byte) 0);
        }
        solicitedNode(buf, off + OFF_DESTINATION, target);
        buf.put(off + OFF_TYPE, (byte) TYPE_NEIGHBOR_SOLICITATION);
        buf.put(off + OFF_CODE, (byte) 0);
        buf.putShort(off + OFF_CHECKSUM, (short) 0);
        buf.putInt(off + OFF_FLAGS, 0);
        buf.put(off + OFF_TARGET, target, 0, 16);
        buf.putShort(off + OFF_CHECKSUM, (short) checksum(buf, off, PROBE_SIZE));
        return PROBE_SIZE;
    }

    /**
     * Writes the unsolicited NA announcing {@code target} at {@code ourMac}: from the target to all nodes, override
     * flag set, the router flag when {@code router} (a host that forwards keeps its neighbours' "is a router" mark),
     * the target link-layer address option. Returns {@link #ANNOUNCEMENT_SIZE}; the frame goes to 33:33:00:00:00:01.
     */
    public static int writeAnnouncement(final ByteBuffer buf, final int off, final long ourMac, final byte[] target,
                                        final boolean router) {
        ipv6Header(buf, off, MESSAGE_SIZE + 8);
        buf.put(off + OFF_SOURCE, target, 0, 16);
        buf.putLong(off + OFF_DESTINATION, 0xff02_0000_0000_0000L);
        buf.putLong(off + OFF_DESTINATION + 8, 1L);
        buf.put(off + OFF_TYPE, (byte) TYPE_NEIGHBOR_ADVERTISEMENT);
        buf.put(off + OFF_CODE, (byte) 0);
        buf.putShort(off + OFF_CHECKSUM, (short) 0);
        buf.putInt(off + OFF_FLAGS, (FLAG_OVERRIDE | (router ? FLAG_ROUTER : 0)) << 24);
        buf.put(off + OFF_TARGET, target, 0, 16);
        buf.put(off + OFF_OPTIONS, (byte) OPTION_TARGET_LINK_LAYER);
        buf.put(off + OFF_OPTIONS + 1, (byte) 1);
        putMac(buf, off + OFF_OPTIONS + 2, ourMac);
        buf.putShort(off + OFF_CHECKSUM, (short) checksum(buf, off, ANNOUNCEMENT_SIZE));
        return ANNOUNCEMENT_SIZE;
    }

    private static void ipv6Header(final ByteBuffer buf, final int off, final int payloadLength) {
        buf.putInt(off, 0x6000_0000);
        buf.putShort(off + OFF_PAYLOAD_LENGTH, (short) payloadLength);
        buf.put(off + OFF_NEXT_HEADER, (byte) NEXT_HEADER_ICMPV6);
        buf.put(off + OFF_HOP_LIMIT, (byte) HOP_LIMIT);
    }

    /** Writes the solicited-node group of {@code address}, ff02::1:ffXX:XXXX (RFC 4291 2.7.1), at {@code at}. */
    static void solicitedNode(final ByteBuffer buf, final int at, final byte[] address) {
        buf.putLong(at, 0xff02_0000_0000_0000L);
        buf.putInt(at + 8, 1);
        buf.put(at + 12, (byte) 0xff);
        buf.put(at + 13, address[13]);
        buf.put(at + 14, address[14]);
        buf.put(at + 15, address[15]);
    }

    /** The Ethernet group a probe for {@code address} goes to: 33:33 and the solicited-node group's last 32 bits. */
    public static long probeMac(final byte[] address) {
        return 0x3333_ff00_0000L | (address[13] & 0xffL) << 16 | (address[14] & 0xffL) << 8 | address[15] & 0xffL;
    }

    /** The Ethernet group of all nodes (ff02::1), where announcements go. */
    public static final long ALL_NODES_MAC = 0x3333_0000_0001L;

    /**
     * The ICMPv6 checksum of the packet of {@code len} bytes at {@code off} (IPv6 header first, no extension header):
     * the internet checksum (RFC 1071) over the pseudo-header and the ICMPv6 message. 0 over a packet whose checksum is
     * right; over one with a zero checksum field, the value to put there.
     */
    public static int checksum(final ByteBuffer buf, final int off, final int len) {
        final int icmpLength = len - IPV6_HEADER_SIZE;
        long sum = icmpLength + NEXT_HEADER_ICMPV6;
        for (int i = OFF_SOURCE; i < IPV6_HEADER_SIZE; i += 2) {
            sum += Short.toUnsignedInt(buf.getShort(off + i));
        }
        int i = IPV6_HEADER_SIZE;
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
     * Whether {@code len} bytes at {@code off} are a valid NS or NA (RFC 4861 sections 7.1.1 and 7.1.2): IPv6 with
     * ICMPv6 right after the header, the payload length within the bytes, hop limit 255, code 0, at least 24 bytes
     * of message, a right checksum, and options of non-zero length that fit.
     */
    public static boolean isValid(final ByteBuffer buf, final int off, final int len) {
        if (len < IPV6_HEADER_SIZE + MESSAGE_SIZE || (buf.get(off) & 0xf0) != 0x60
            || Byte.toUnsignedInt(buf.get(off + OFF_NEXT_HEADER)) != NEXT_HEADER_ICMPV6
            || Byte.toUnsignedInt(buf.get(off + OFF_HOP_LIMIT)) != HOP_LIMIT) {
            return false;
        }
        final int payload = Short.toUnsignedInt(buf.getShort(off + OFF_PAYLOAD_LENGTH));
        final int type = type(buf, off);
        if (payload < MESSAGE_SIZE || IPV6_HEADER_SIZE + payload > len || buf.get(off + OFF_CODE) != 0
            || type != TYPE_NEIGHBOR_SOLICITATION && type != TYPE_NEIGHBOR_ADVERTISEMENT) {
            return false;
        }
        final int end = off + IPV6_HEADER_SIZE + payload;
        for (int o = off + OFF_OPTIONS; o < end; ) {
            final int units = o + 1 < end ? Byte.toUnsignedInt(buf.get(o + 1)) : 0;
            if (units == 0 || o + units * 8 > end) {
                return false;
            }
            o += units * 8;
        }
        return checksum(buf, off, IPV6_HEADER_SIZE + payload) == 0;
    }

    /**
     * RFC 4862 section 5.4.3 and 5.4.4 while probing for {@code address}, on a message that {@link #isValid}:
     * {@link #IN_USE} when it is an NA for the address (the holder's answer to the probe, or its own announcement) or
     * an NS sent from the address (its holder resolving a neighbour); {@link #PROBED} when it is another host's probe
     * for the address (an NS from :: for it); else {@link #NO_CONFLICT}, also for a client's NS for the address. The
     * caller leaves out its own messages (by link-layer source).
     */
    public static int conflict(final ByteBuffer buf, final int off, final byte[] address) {
        final int type = type(buf, off);
        if (type == TYPE_NEIGHBOR_ADVERTISEMENT) {
            return equal(buf, off + OFF_TARGET, address) ? IN_USE : NO_CONFLICT;
        }
        if (equal(buf, off + OFF_SOURCE, address)) {
            return IN_USE;
        }
        return unspecifiedSource(buf, off) && equal(buf, off + OFF_TARGET, address) ? PROBED : NO_CONFLICT;
    }

    /** The ICMPv6 type. */
    public static int type(final ByteBuffer buf, final int off) {
        return Byte.toUnsignedInt(buf.get(off + OFF_TYPE));
    }

    /** An NA's flags: {@link #FLAG_ROUTER}, {@link #FLAG_SOLICITED}, {@link #FLAG_OVERRIDE}. */
    public static int flags(final ByteBuffer buf, final int off) {
        return Byte.toUnsignedInt(buf.get(off + OFF_FLAGS));
    }

    /** Whether the source is the unspecified address ::. */
    public static boolean unspecifiedSource(final ByteBuffer buf, final int off) {
        return buf.getLong(off + OFF_SOURCE) == 0 && buf.getLong(off + OFF_SOURCE + 8) == 0;
    }

    /** Whether the target address is {@code address}. */
    public static boolean targetIs(final ByteBuffer buf, final int off, final byte[] address) {
        return equal(buf, off + OFF_TARGET, address);
    }

    /** Copies the target address into {@code dst} (16 bytes). */
    public static void target(final ByteBuffer buf, final int off, final byte[] dst) {
        buf.get(off + OFF_TARGET, dst, 0, 16);
    }

    /** Copies the source address into {@code dst} (16 bytes). */
    public static void source(final ByteBuffer buf, final int off, final byte[] dst) {
        buf.get(off + OFF_SOURCE, dst, 0, 16);
    }

    /**
     * The hardware address a valid message names for its sender: an NS's source or an NA's target link-layer address
     * option (48 bits), or -1 when it has none (then the frame's link-layer source is the sender's).
     */
    public static long linkLayerAddress(final ByteBuffer buf, final int off) {
        final int want = type(buf, off) == TYPE_NEIGHBOR_ADVERTISEMENT ? OPTION_TARGET_LINK_LAYER
            : OPTION_SOURCE_LINK_LAYER;
        final int end = off + IPV6_HEADER_SIZE + Short.toUnsignedInt(buf.getShort(off + OFF_PAYLOAD_LENGTH));
        for (int o = off + OFF_OPTIONS; o + 8 <= end; o += Byte.toUnsignedInt(buf.get(o + 1)) * 8) {
            if (Byte.toUnsignedInt(buf.get(o)) == want && buf.get(o + 1) == 1) {
                return getMac(buf, o + 2);
            }
            if (buf.get(o + 1) == 0) {
                return -1;
            }
        }
        return -1;
    }

    private static boolean equal(final ByteBuffer buf, final int at, final byte[] address) {
        for (int i = 0; i < 16; i++) {
            if (buf.get(at + i) != address[i]) {
                return false;
            }
        }
        return true;
    }

    private static void putMac(final ByteBuffer buf, final int off, final long mac) {
        buf.putShort(off, (short) (mac >>> 32));
        buf.putInt(off + 2, (int) mac);
    }

    private static long getMac(final ByteBuffer buf, final int off) {
        return (Short.toUnsignedLong(buf.getShort(off)) << 32) | Integer.toUnsignedLong(buf.getInt(off + 2));
    }
}
