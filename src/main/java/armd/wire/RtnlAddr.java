package armd.wire;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One decoded RTM_NEWADDR/RTM_DELADDR message (ifaddrmsg + IFA_* attributes, linux/if_addr.h), reused for
 * every message: {@link #decode} allocates nothing. Not thread-safe.
 */
public final class RtnlAddr {
    private int family;
    private int prefixLen;
    private int flags;
    private int scope;
    private int ifIndex;
    private final byte[] local = new byte[16];
    private final byte[] address = new byte[16];
    private boolean hasLocal;
    private boolean hasAddress;
    private final byte[] label = new byte[16];
    private int labelLen;

    /**
     * Decodes the message whose header is at {@code off} (the caller checked it with {@link Rtnl#msgOk});
     * returns false when it is too short to hold an ifaddrmsg.
     */
    public boolean decode(final ByteBuffer b, final int off) {
        final int end = off + Rtnl.msgLen(b, off);
        final int m = off + Rtnl.NLMSGHDR_SIZE;
        hasLocal = false;
        hasAddress = false;
        labelLen = 0;
        if (end - m < Rtnl.IFADDRMSG_SIZE) {
            return false;
        }
        family = b.get(m) & 0xff;
        prefixLen = b.get(m + 1) & 0xff;
        flags = b.get(m + 2) & 0xff;
        scope = b.get(m + 3) & 0xff;
        ifIndex = b.getInt(m + 4);
        final int addrLen = family == Rtnl.AF_INET ? 4 : 16;
        for (int a = m + Rtnl.align(Rtnl.IFADDRMSG_SIZE); Rtnl.attrOk(b, a, end); a = Rtnl.attrNext(b, a)) {
            final int len = Rtnl.attrDataLen(b, a);
            switch (Rtnl.attrType(b, a)) {
                case Rtnl.IFA_LOCAL -> {
                    if (len == addrLen) {
                        b.get(Rtnl.attrData(a), local, 0, addrLen);
                        hasLocal = true;
                    }
                }
                case Rtnl.IFA_ADDRESS -> {
                    if (len == addrLen) {
                        b.get(Rtnl.attrData(a), address, 0, addrLen);
                        hasAddress = true;
                    }
                }
                case Rtnl.IFA_FLAGS -> {
                    if (len >= 4) {
                        flags = b.getInt(Rtnl.attrData(a));
                    }
                }
                case Rtnl.IFA_LABEL -> {
                    int n = 0;
                    while (n < len && n < label.length && b.get(Rtnl.attrData(a) + n) != 0) {
                        label[n] = b.get(Rtnl.attrData(a) + n);
                        n++;
                    }
                    labelLen = n;
                }
                default -> {
                    // IFA_CACHEINFO, IFA_BROADCAST, IFA_PROTO...: not needed
                }
            }
        }
        return true;
    }

    /** AF_INET or AF_INET6. */
    public int family() {
        return family;
    }

    /** The prefix length. */
    public int prefixLen() {
        return prefixLen;
    }

    /** IFA_F_* flags (all 32 bits when the kernel sent IFA_FLAGS). */
    public int flags() {
        return flags;
    }

    /** RT_SCOPE_*. */
    public int scope() {
        return scope;
    }

    /** The interface index. */
    public int ifIndex() {
        return ifIndex;
    }

    /** 4 for IPv4, 16 for IPv6. */
    public int addressLength() {
        return family == Rtnl.AF_INET ? 4 : 16;
    }

    /**
     * Whether this interface address is {@code addr} (4 or 16 bytes): compares IFA_LOCAL when present (IPv4),
     * else IFA_ADDRESS (IPv6 sends only that; for IPv4 point-to-point it is the peer). Allocates nothing.
     */
    public boolean is(final byte[] addr) {
        if (addr.length != addressLength()) {
            return false;
        }
        final byte[] mine = hasLocal ? local : address;
        for (int i = 0; i < addr.length; i++) {
            if (mine[i] != addr[i]) {
                return false;
            }
        }
        return hasLocal || hasAddress;
    }

    /** Copies the interface's own address (IFA_LOCAL, else IFA_ADDRESS) into {@code dst}; returns its length. */
    public int copyAddress(final byte[] dst) {
        final int n = addressLength();
        System.arraycopy(hasLocal ? local : address, 0, dst, 0, n);
        return n;
    }

    /** The address as an {@link InetAddress}; allocates, for output. */
    public InetAddress inetAddress() {
        final byte[] a = new byte[addressLength()];
        copyAddress(a);
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** IFA_LABEL (IPv4 only, e.g. {@code eth0:1}), or null; allocates. */
    public String label() {
        return labelLen == 0 ? null : new String(label, 0, labelLen, StandardCharsets.UTF_8);
    }

    /** {@code 192.0.2.1/24} or {@code 2001:db8::1/64}; allocates, for output. */
    public String cidr() {
        return text(inetAddress()) + "/" + prefixLen;
    }

    /** An address in the usual text form (IPv6 compressed as iproute2 prints it); allocates. */
    public static String text(final InetAddress a) {
        final String s = a.getHostAddress();
        if (!(a instanceof Inet6Address)) {
            return s;
        }
        return compress6(s);
    }

    /** RFC 5952 compression of the JDK's uncompressed IPv6 text: the longest run of zero groups becomes ::. */
    static String compress6(final String full) {
        final int pct = full.indexOf('%');
        final String[] g = (pct < 0 ? full : full.substring(0, pct)).split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < g.length; i++) {
            if (Integer.parseInt(g[i], 16) == 0) {
                int j = i;
                while (j < g.length && Integer.parseInt(g[j], 16) == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < g.length; i++) {
            if (bestLen > 1 && i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(Integer.parseInt(g[i], 16)));
            if (i < g.length - 1) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
