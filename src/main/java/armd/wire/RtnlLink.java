package armd.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One decoded RTM_NEWLINK/RTM_DELLINK message (ifinfomsg + IFLA_* attributes, linux/rtnetlink.h and
 * linux/if_link.h), reused for every message: {@link #decode} allocates nothing. Not thread-safe.
 */
public final class RtnlLink {
    /** IF_OPER_* (linux/if.h, RFC 2863). */
    public static final int IF_OPER_UNKNOWN = 0;
    public static final int IF_OPER_NOTPRESENT = 1;
    public static final int IF_OPER_DOWN = 2;
    public static final int IF_OPER_LOWERLAYERDOWN = 3;
    public static final int IF_OPER_TESTING = 4;
    public static final int IF_OPER_DORMANT = 5;
    public static final int IF_OPER_UP = 6;

    /** IFNAMSIZ (linux/if.h), NUL included. */
    public static final int IFNAMSIZ = 16;

    private int ifIndex;
    private int type;
    private int flags;
    private int change;
    private final byte[] name = new byte[IFNAMSIZ];
    private int nameLen;
    private int operState;
    private int carrier;
    private int mtu;

    /**
     * Decodes the message whose header is at {@code off} (checked with {@link Rtnl#msgOk}); returns false when
     * it is too short to hold an ifinfomsg.
     */
    public boolean decode(final ByteBuffer b, final int off) {
        final int end = off + Rtnl.msgLen(b, off);
        final int m = off + Rtnl.NLMSGHDR_SIZE;
        nameLen = 0;
        operState = -1;
        carrier = -1;
        mtu = -1;
        if (end - m < Rtnl.IFINFOMSG_SIZE) {
            return false;
        }
        type = b.getShort(m + 2) & 0xffff;
        ifIndex = b.getInt(m + 4);
        flags = b.getInt(m + 8);
        change = b.getInt(m + 12);
        for (int a = m + Rtnl.IFINFOMSG_SIZE; Rtnl.attrOk(b, a, end); a = Rtnl.attrNext(b, a)) {
            final int len = Rtnl.attrDataLen(b, a);
            final int data = Rtnl.attrData(a);
            switch (Rtnl.attrType(b, a)) {
                case Rtnl.IFLA_IFNAME -> {
                    int n = 0;
                    while (n < len && n < IFNAMSIZ && b.get(data + n) != 0) {
                        name[n] = b.get(data + n);
                        n++;
                    }
                    nameLen = n;
                }
                case Rtnl.IFLA_OPERSTATE -> {
                    if (len >= 1) {
                        operState = b.get(data) & 0xff;
                    }
                }
                case Rtnl.IFLA_CARRIER -> {
                    if (len >= 1) {
                        carrier = b.get(data) & 0xff;
                    }
                }
                case Rtnl.IFLA_MTU -> {
                    if (len >= 4) {
                        mtu = b.getInt(data);
                    }
                }
                default -> {
                    // statistics, qdisc, link info...: not needed
                }
            }
        }
        return true;
    }

    /** The interface index. */
    public int ifIndex() {
        return ifIndex;
    }

    /** ARPHRD_* type. */
    public int type() {
        return type;
    }

    /** IFF_* flags. */
    public int flags() {
        return flags;
    }

    /** IFF_* bits that changed (0xffffffff on some kernels' notifications: all may have). */
    public int change() {
        return change;
    }

    /** IF_OPER_*, or -1 when absent. */
    public int operState() {
        return operState;
    }

    /** 1 carrier, 0 none, -1 absent (then {@link #hasCarrier()} uses IFF_LOWER_UP). */
    public int carrier() {
        return carrier;
    }

    /** The MTU, or -1 when absent. */
    public int mtu() {
        return mtu;
    }

    /** Administratively up (IFF_UP). */
    public boolean adminUp() {
        return (flags & Rtnl.IFF_UP) != 0;
    }

    /** The lower layer has a carrier (IFLA_CARRIER, else IFF_LOWER_UP). */
    public boolean hasCarrier() {
        return carrier >= 0 ? carrier != 0 : (flags & Rtnl.IFF_LOWER_UP) != 0;
    }

    /**
     * Usable for traffic: up and running (IFF_RUNNING follows the RFC 2863 operational state: UP, or UNKNOWN
     * for drivers that do not report it, such as loopback and dummy).
     */
    public boolean usable() {
        return (flags & (Rtnl.IFF_UP | Rtnl.IFF_RUNNING)) == (Rtnl.IFF_UP | Rtnl.IFF_RUNNING);
    }

    /** Whether the name equals {@code other} (ASCII bytes, no NUL); allocates nothing. */
    public boolean nameIs(final byte[] other) {
        if (other.length != nameLen) {
            return false;
        }
        for (int i = 0; i < nameLen; i++) {
            if (name[i] != other[i]) {
                return false;
            }
        }
        return true;
    }

    /** The interface name; allocates, for output. */
    public String name() {
        return new String(name, 0, nameLen, StandardCharsets.UTF_8);
    }

    /** RFC 2863 name of an IF_OPER_* value, as iproute2 prints it. */
    public static String operStateName(final int operState) {
        return switch (operState) {
            case IF_OPER_UNKNOWN -> "UNKNOWN";
            case IF_OPER_NOTPRESENT -> "NOTPRESENT";
            case IF_OPER_DOWN -> "DOWN";
            case IF_OPER_LOWERLAYERDOWN -> "LOWERLAYERDOWN";
            case IF_OPER_TESTING -> "TESTING";
            case IF_OPER_DORMANT -> "DORMANT";
            case IF_OPER_UP -> "UP";
            case -1 -> "none";
            default -> "operstate " + operState;
        };
    }
}
