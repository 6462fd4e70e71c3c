package armd.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Pure builder and parser of rtnetlink messages in a caller-owned {@link ByteBuffer} in native byte order
 * (netlink is host-endian), by absolute index: nothing here allocates except the error-text helpers.
 *
 * <pre>
 * struct nlmsghdr (linux/netlink.h), 16 bytes       struct rtattr (linux/rtnetlink.h), 4 bytes + data
 *    0 u32 nlmsg_len   (header + payload)              0 u16 rta_len (header + data, unpadded)
 *    4 u16 nlmsg_type  (RTM_*, NLMSG_*)                2 u16 rta_type
 *    6 u16 nlmsg_flags (NLM_F_*)                     attributes and messages start on 4-byte boundaries
 *    8 u32 nlmsg_seq
 *   12 u32 nlmsg_pid   (port id; 0 = the kernel)
 *
 * struct ifaddrmsg (linux/if_addr.h), 8 bytes         struct ifinfomsg (linux/rtnetlink.h), 16 bytes
 *    0 u8  ifa_family                                  0 u8  ifi_family
 *    1 u8  ifa_prefixlen                               1 u8  pad
 *    2 u8  ifa_flags (IFA_F_*; IFA_FLAGS has all 32)   2 u16 ifi_type (ARPHRD_*)
 *    3 u8  ifa_scope (RT_SCOPE_*)                      4 s32 ifi_index
 *    4 u32 ifa_index                                   8 u32 ifi_flags (IFF_*)
 *                                                     12 u32 ifi_change
 * struct nlmsgerr (linux/netlink.h), 20 bytes
 *    0 s32 error (0 = ACK, else -errno)
 *    4 struct nlmsghdr msg (the request's header; its payload too unless NLM_F_CAPPED)
 *      then, with NLM_F_ACK_TLVS, extended-ack attributes (NLMSGERR_ATTR_MSG: a NUL-terminated string)
 * </pre>
 */
public final class Rtnl {
    /** Message types (linux/netlink.h). */
    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;
    /** Message types (linux/rtnetlink.h). */
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;

    /** Flags (linux/netlink.h). */
    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP = 0x300;
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    /** On NLMSG_ERROR: the request payload was not echoed (NETLINK_CAP_ACK). */
    public static final int NLM_F_CAPPED = 0x100;
    /** On NLMSG_ERROR: extended-ack attributes follow (NETLINK_EXT_ACK). */
    public static final int NLM_F_ACK_TLVS = 0x200;
    /** Extended-ack attribute: the kernel's error message (linux/netlink.h enum nlmsgerr_attrs). */
    public static final int NLMSGERR_ATTR_MSG = 1;

    /** Multicast groups for bind(2) nl_groups (linux/rtnetlink.h RTMGRP_*). */
    public static final int RTMGRP_LINK = 0x1;
    public static final int RTMGRP_IPV4_IFADDR = 0x10;
    public static final int RTMGRP_IPV6_IFADDR = 0x100;

    /** Address attributes (linux/if_addr.h). */
    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_LABEL = 3;
    public static final int IFA_BROADCAST = 4;
    public static final int IFA_CACHEINFO = 6;
    public static final int IFA_FLAGS = 8;
    /** Address flags (linux/if_addr.h). */
    public static final int IFA_F_SECONDARY = 0x01;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_DADFAILED = 0x08;
    public static final int IFA_F_TENTATIVE = 0x40;
    public static final int IFA_F_PERMANENT = 0x80;

    /** Link attributes (linux/if_link.h). */
    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_CARRIER = 33;
    /** Link flags (linux/if.h). */
    public static final int IFF_UP = 0x1;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_LOWER_UP = 0x10000;

    /** Scopes (linux/rtnetlink.h enum rt_scope_t). */
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_SITE = 200;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;

    /** Address families (linux/socket.h). */
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int NLMSGHDR_SIZE = 16;
    public static final int IFADDRMSG_SIZE = 8;
    public static final int IFINFOMSG_SIZE = 16;
    public static final int RTATTR_SIZE = 4;
    public static final int NLMSGERR_SIZE = 20;

    private Rtnl() {
    }

    /** NLMSG_ALIGN / RTA_ALIGN: rounds up to 4. */
    public static int align(final int n) {
        return (n + 3) & ~3;
    }

    // ---------------------------------------------------------------- building

    /** Writes a header at {@code off} with a zero length (see {@link #finish}); returns the payload offset. */
    public static int putHeader(final ByteBuffer b, final int off, final int type, final int flags, final int seq) {
        b.putInt(off, 0);
        b.putShort(off + 4, (short) type);
        b.putShort(off + 6, (short) flags);
        b.putInt(off + 8, seq);
        b.putInt(off + 12, 0);
        return off + NLMSGHDR_SIZE;
    }

    /** Sets the length of the message at {@code start} that ends at {@code end}; returns that length. */
    public static int finish(final ByteBuffer b, final int start, final int end) {
        final int len = end - start;
        b.putInt(start, len);
        return len;
    }

    /** Appends an attribute with {@code len} bytes of {@code data}; returns the aligned end. */
    public static int putAttr(final ByteBuffer b, final int off, final int type, final byte[] data, final int len) {
        b.putShort(off, (short) (RTATTR_SIZE + len));
        b.putShort(off + 2, (short) type);
        b.put(off + RTATTR_SIZE, data, 0, len);
        final int end = off + RTATTR_SIZE + len;
        final int aligned = align(end);
        for (int i = end; i < aligned; i++) {
            b.put(i, (byte) 0);
        }
        return aligned;
    }

    /** Appends a u32 attribute; returns its end. */
    public static int putAttrInt(final ByteBuffer b, final int off, final int type, final int value) {
        b.putShort(off, (short) (RTATTR_SIZE + 4));
        b.putShort(off + 2, (short) type);
        b.putInt(off + RTATTR_SIZE, value);
        return off + RTATTR_SIZE + 4;
    }

    /** Writes an ifaddrmsg at {@code off}; returns its end. */
    public static int putIfaddrmsg(final ByteBuffer b, final int off, final int family, final int prefixLen,
                                   final int flags, final int scope, final int ifIndex) {
        b.put(off, (byte) family);
        b.put(off + 1, (byte) prefixLen);
        b.put(off + 2, (byte) flags);
        b.put(off + 3, (byte) scope);
        b.putInt(off + 4, ifIndex);
        return off + IFADDRMSG_SIZE;
    }

    /** Writes an ifinfomsg at {@code off}; returns its end. */
    public static int putIfinfomsg(final ByteBuffer b, final int off, final int family, final int ifIndex,
                                   final int flags, final int change) {
        b.put(off, (byte) family);
        b.put(off + 1, (byte) 0);
        b.putShort(off + 2, (short) 0);
        b.putInt(off + 4, ifIndex);
        b.putInt(off + 8, flags);
        b.putInt(off + 12, change);
        return off + IFINFOMSG_SIZE;
    }

    /**
     * Builds RTM_NEWADDR (create, fail if it exists) or RTM_DELADDR for {@code addr} (4 or 16 bytes) with an
     * acknowledgement requested, at offset 0; returns the message length. IFA_LOCAL and IFA_ADDRESS are both
     * the address, as iproute2 sends them for a non-point-to-point address. {@code ifaFlags} beyond 8 bits go
     * in IFA_FLAGS.
     */
    public static int addressRequest(final ByteBuffer b, final int type, final int seq, final int ifIndex,
                                     final byte[] addr, final int prefixLen, final int scope, final int ifaFlags) {
        final int flags = type == RTM_NEWADDR
            ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
            : NLM_F_REQUEST | NLM_F_ACK;
        final int family = addr.length == 4 ? AF_INET : AF_INET6;
        int off = putHeader(b, 0, type, flags, seq);
        off = putIfaddrmsg(b, off, family, prefixLen, ifaFlags & 0xff, scope, ifIndex);
        off = putAttr(b, off, IFA_LOCAL, addr, addr.length);
        off = putAttr(b, off, IFA_ADDRESS, addr, addr.length);
        if (type == RTM_NEWADDR && (ifaFlags & ~0xff) != 0) {
            off = putAttrInt(b, off, IFA_FLAGS, ifaFlags);
        }
        return finish(b, 0, off);
    }

    /** Builds an RTM_GETADDR dump request for {@code family} (AF_UNSPEC for all) at offset 0; returns its length. */
    public static int getAddrDump(final ByteBuffer b, final int seq, final int family) {
        int off = putHeader(b, 0, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
        off = putIfaddrmsg(b, off, family, 0, 0, 0, 0);
        return finish(b, 0, off);
    }

    /** Builds an RTM_GETLINK dump request at offset 0; returns its length. */
    public static int getLinkDump(final ByteBuffer b, final int seq) {
        int off = putHeader(b, 0, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
        off = putIfinfomsg(b, off, AF_UNSPEC, 0, 0, 0);
        return finish(b, 0, off);
    }

    // ---------------------------------------------------------------- parsing

    /** nlmsg_len of the message at {@code off}. */
    public static int msgLen(final ByteBuffer b, final int off) {
        return b.getInt(off);
    }

    /** nlmsg_type. */
    public static int msgType(final ByteBuffer b, final int off) {
        return b.getShort(off + 4) & 0xffff;
    }

    /** nlmsg_flags. */
    public static int msgFlags(final ByteBuffer b, final int off) {
        return b.getShort(off + 6) & 0xffff;
    }

    /** nlmsg_seq. */
    public static int msgSeq(final ByteBuffer b, final int off) {
        return b.getInt(off + 8);
    }

    /** nlmsg_pid. */
    public static int msgPid(final ByteBuffer b, final int off) {
        return b.getInt(off + 12);
    }

    /** NLMSG_OK: whether a whole message starts at {@code off} before {@code end}. */
    public static boolean msgOk(final ByteBuffer b, final int off, final int end) {
        if (end - off < NLMSGHDR_SIZE) {
            return false;
        }
        final int len = msgLen(b, off);
        return len >= NLMSGHDR_SIZE && len <= end - off;
    }

    /** NLMSG_NEXT: the offset of the message after the one at {@code off}. */
    public static int msgNext(final ByteBuffer b, final int off) {
        return off + align(msgLen(b, off));
    }

    /** The error field of an NLMSG_ERROR at {@code off}: 0 for an acknowledgement, else -errno. */
    public static int errorCode(final ByteBuffer b, final int off) {
        return b.getInt(off + NLMSGHDR_SIZE);
    }

    /** The sequence number of the request an NLMSG_ERROR at {@code off} answers. */
    public static int errorRequestSeq(final ByteBuffer b, final int off) {
        return b.getInt(off + NLMSGHDR_SIZE + 4 + 8);
    }

    /**
     * The extended-ack message of an NLMSG_ERROR at {@code off} (e.g. "Invalid prefix length"), or null when
     * the kernel sent none. Allocates: for error paths.
     */
    public static String errorMessage(final ByteBuffer b, final int off) {
        final int flags = msgFlags(b, off);
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        final int end = off + msgLen(b, off);
        // the echoed request: its header only when capped, else the whole request
        final int inner = off + NLMSGHDR_SIZE + 4;
        final int innerLen = (flags & NLM_F_CAPPED) != 0 ? NLMSGHDR_SIZE : align(msgLen(b, inner));
        for (int a = inner + innerLen; attrOk(b, a, end); a = attrNext(b, a)) {
            if (attrType(b, a) == NLMSGERR_ATTR_MSG) {
                return attrString(b, a);
            }
        }
        return null;
    }

    /** RTA_OK: whether a whole attribute starts at {@code a} before {@code end}. */
    public static boolean attrOk(final ByteBuffer b, final int a, final int end) {
        if (end - a < RTATTR_SIZE) {
            return false;
        }
        final int len = attrLen(b, a);
        return len >= RTATTR_SIZE && len <= end - a;
    }

    /** rta_len (header + data). */
    public static int attrLen(final ByteBuffer b, final int a) {
        return b.getShort(a) & 0xffff;
    }

    /** rta_type, without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
    public static int attrType(final ByteBuffer b, final int a) {
        return b.getShort(a + 2) & 0x3fff;
    }

    /** The offset of the attribute's data. */
    public static int attrData(final int a) {
        return a + RTATTR_SIZE;
    }

    /** The length of the attribute's data. */
    public static int attrDataLen(final ByteBuffer b, final int a) {
        return attrLen(b, a) - RTATTR_SIZE;
    }

    /** RTA_NEXT. */
    public static int attrNext(final ByteBuffer b, final int a) {
        return a + align(attrLen(b, a));
    }

    /** A string attribute without its NUL; allocates. */
    public static String attrString(final ByteBuffer b, final int a) {
        final int data = attrData(a);
        int n = 0;
        final int max = attrDataLen(b, a);
        while (n < max && b.get(data + n) != 0) {
            n++;
        }
        final byte[] s = new byte[n];
        b.get(data, s, 0, n);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** A readable name of a message type, for output. */
    public static String typeName(final int type) {
        return switch (type) {
            case NLMSG_NOOP -> "NLMSG_NOOP";
            case NLMSG_ERROR -> "NLMSG_ERROR";
            case NLMSG_DONE -> "NLMSG_DONE";
            case NLMSG_OVERRUN -> "NLMSG_OVERRUN";
            case RTM_NEWLINK -> "RTM_NEWLINK";
            case RTM_DELLINK -> "RTM_DELLINK";
            case RTM_GETLINK -> "RTM_GETLINK";
            case RTM_NEWADDR -> "RTM_NEWADDR";
            case RTM_DELADDR -> "RTM_DELADDR";
            case RTM_GETADDR -> "RTM_GETADDR";
            default -> "type " + type;
        };
    }
}
