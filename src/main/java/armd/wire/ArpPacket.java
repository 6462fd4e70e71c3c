package armd.wire;

import java.nio.ByteBuffer;

/**
 * ARP for IPv4 over Ethernet (RFC 826) and the two RFC 5227 uses armd makes of it: the ARP Probe (is this
 * address in use?) and the ARP Announcement (gratuitous ARP: this address is now here). Pure: no system
 * calls, no allocation; hardware addresses are 48-bit values in a {@code long} and IPv4 addresses 32-bit
 * values in an {@code int}, first octet most significant.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Hardware type (1 = Ethernet)|  Protocol type (0x0800 IPv4)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | HW len (6)    | Proto len (4) | Operation (1 request, 2 reply)|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Sender hardware address (bytes 8-13)               |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | Sender protocol address (14-17)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |            Target hardware address (bytes 18-23)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Target protocol address (bytes 24-27)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>RFC 5227 section 2.1.1: a probe is a request with sender IP 0.0.0.0 and target hardware address zero;
 * section 2.3: an announcement is a request with sender IP = target IP = the address.
 */
public final class ArpPacket {
    /** An Ethernet/IPv4 ARP message (the Ethernet header is the socket's business). */
    public static final int SIZE = 28;
    public static final int HTYPE_ETHERNET = 1;
    public static final int PTYPE_IPV4 = 0x0800;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    /** {@link #conflict} results: nothing to do with the address, or from us. */
    public static final int NO_CONFLICT = 0;
    /** Another host uses the address: its ARP message (request, reply, announcement) has it as sender IP. */
    public static final int IN_USE = 1;
    /** Another host is probing for the address at the same time (RFC 5227 section 2.1.1, last paragraph). */
    public static final int PROBED = 2;

    static final int OFF_HTYPE = 0;
    static final int OFF_PTYPE = 2;
    static final int OFF_HLEN = 4;
    static final int OFF_PLEN = 5;
    static final int OFF_OPER = 6;
    static final int OFF_SHA = 8;
    static final int OFF_SPA = 14;
    static final int OFF_THA = 18;
    static final int OFF_TPA = 24;

    private ArpPacket() {
    }

    /** Writes an ARP request; returns {@link #SIZE}. The target hardware address is zero (RFC 5227). */
    public static int writeRequest(final ByteBuffer buf, final int off, final long senderMac, final int senderIp,
                                   final int targetIp) {
        buf.putShort(off + OFF_HTYPE, (short) HTYPE_ETHERNET);
        buf.putShort(off + OFF_PTYPE, (short) PTYPE_IPV4);
        buf.put(off + OFF_HLEN, (byte) 6);
        buf.put(off + OFF_PLEN, (byte) 4);
        buf.putShort(off + OFF_OPER, (short) OP_REQUEST);
        putMac(buf, off + OFF_SHA, senderMac);
        buf.putInt(off + OFF_SPA, senderIp);
        putMac(buf, off + OFF_THA, 0L);
        buf.putInt(off + OFF_TPA, targetIp);
        return SIZE;
    }

    /** Writes an RFC 5227 ARP Probe for {@code address} (sender IP 0.0.0.0); returns {@link #SIZE}. */
    public static int writeProbe(final ByteBuffer buf, final int off, final long ourMac, final int address) {
        return writeRequest(buf, off, ourMac, 0, address);
    }

    /** Writes an RFC 5227 ARP Announcement of {@code address} (sender IP = target IP); returns {@link #SIZE}. */
    public static int writeAnnouncement(final ByteBuffer buf, final int off, final long ourMac, final int address) {
        return writeRequest(buf, off, ourMac, address, address);
    }

    /** Whether {@code len} bytes at {@code off} are an Ethernet/IPv4 ARP request or reply. */
    public static boolean isEthernetIpv4(final ByteBuffer buf, final int off, final int len) {
        if (len < SIZE) {
            return false;
        }
        final int op = operation(buf, off);
        return Short.toUnsignedInt(buf.getShort(off + OFF_HTYPE)) == HTYPE_ETHERNET
            && Short.toUnsignedInt(buf.getShort(off + OFF_PTYPE)) == PTYPE_IPV4
            && buf.get(off + OFF_HLEN) == 6 && buf.get(off + OFF_PLEN) == 4
            && (op == OP_REQUEST || op == OP_REPLY);
    }

    /**
     * RFC 5227 section 2.1.1 conflict detection while probing for {@code address}: {@link #IN_USE} when the
     * message's sender IP is the address (a reply to our probe, an announcement, any request from its
     * holder); {@link #PROBED} when it is another host's probe for the address; otherwise
     * {@link #NO_CONFLICT}. Messages from {@code ourMac} (our own, looped back) never conflict.
     */
    public static int conflict(final ByteBuffer buf, final int off, final int len, final int address,
                               final long ourMac) {
        if (!isEthernetIpv4(buf, off, len) || senderMac(buf, off) == ourMac) {
            return NO_CONFLICT;
        }
        if (senderIp(buf, off) == address) {
            return IN_USE;
        }
        if (operation(buf, off) == OP_REQUEST && senderIp(buf, off) == 0 && targetIp(buf, off) == address) {
            return PROBED;
        }
        return NO_CONFLICT;
    }

    /** The operation: {@link #OP_REQUEST} or {@link #OP_REPLY}. */
    public static int operation(final ByteBuffer buf, final int off) {
        return Short.toUnsignedInt(buf.getShort(off + OFF_OPER));
    }

    /** The sender hardware address. */
    public static long senderMac(final ByteBuffer buf, final int off) {
        return getMac(buf, off + OFF_SHA);
    }

    /** The sender protocol (IPv4) address. */
    public static int senderIp(final ByteBuffer buf, final int off) {
        return buf.getInt(off + OFF_SPA);
    }

    /** The target hardware address. */
    public static long targetMac(final ByteBuffer buf, final int off) {
        return getMac(buf, off + OFF_THA);
    }

    /** The target protocol (IPv4) address. */
    public static int targetIp(final ByteBuffer buf, final int off) {
        return buf.getInt(off + OFF_TPA);
    }

    private static void putMac(final ByteBuffer buf, final int off, final long mac) {
        buf.putShort(off, (short) (mac >>> 32));
        buf.putInt(off + 2, (int) mac);
    }

    private static long getMac(final ByteBuffer buf, final int off) {
        return (Short.toUnsignedLong(buf.getShort(off)) << 32) | Integer.toUnsignedLong(buf.getInt(off + 2));
    }

    /** {@code 02:00:5e:10:00:01} form of a 48-bit address (allocates: for output). */
    public static String macToString(final long mac) {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            final int b = (int) (mac >>> shift) & 0xff;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** Dotted-quad form of an IPv4 address (allocates: for output). */
    public static String ipToString(final int ip) {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
    }
}
