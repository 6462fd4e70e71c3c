package armd.sys.netlink;

import armd.sys.Errno;
import armd.sys.Libc;
import armd.sys.SysException;
import armd.wire.Rtnl;
import armd.wire.RtnlAddr;
import armd.wire.RtnlLink;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Interface addresses through rtnetlink: add and remove (RTM_NEWADDR/RTM_DELADDR, acknowledged) and list
 * (RTM_GETADDR dump). The expected kernel answers become {@link AddressResult}s; anything else is a
 * {@link SysException} naming the request. {@link #addAddress} and {@link #deleteAddress} allocate nothing
 * when they succeed or return an expected result.
 *
 * <p>Not thread-safe: one owner thread at a time. The socket lives in the network namespace of the thread that
 * called {@link #open}.
 */
public final class Rtnetlink implements AutoCloseable {
    /** How long to wait for the kernel's answer; it answers in microseconds unless something is very wrong. */
    public static final int DEFAULT_TIMEOUT_MS = 5000;
    private static final int MAX_DUMP_RESTARTS = 3;

    private final NetlinkSocket socket;
    private final int timeoutMs;
    private final RtnlAddr addr = new RtnlAddr();
    private final RtnlLink link = new RtnlLink();
    private int seq;
    private int lastErrorOffset = -1;

    private Rtnetlink(final NetlinkSocket socket, final int timeoutMs) {
        this.socket = socket;
        this.timeoutMs = timeoutMs;
        this.seq = (int) (System.nanoTime() & 0x3fffffff);
    }

    /** Opens a request socket with the default answer timeout. */
    public static Rtnetlink open() {
        return open(DEFAULT_TIMEOUT_MS);
    }

    /** Opens a request socket that waits at most {@code timeoutMs} for each answer. */
    public static Rtnetlink open(final int timeoutMs) {
        return new Rtnetlink(NetlinkSocket.open(0, 0), timeoutMs);
    }

    /** The index of interface {@code name} in this thread's namespace, or -errno (-ENODEV: no such interface). */
    public static int ifIndex(final String name) {
        if (name.isEmpty() || name.length() >= RtnlLink.IFNAMSIZ || name.indexOf('/') >= 0) {
            return -Errno.ENODEV;
        }
        try (Arena a = Arena.ofConfined()) {
            return Libc.ifNameToIndex(a.allocateFrom(name));
        }
    }

    /**
     * Adds {@code address} (4 or 16 bytes) with {@code prefixLen} to interface {@code ifIndex}; EXISTS when the
     * interface already has it. IPv6 addresses are added with IFA_F_NODAD: a floating address must be usable at
     * once, and the conflict check is the caller's job before the add (as keepalived does for its VIPs).
     */
    public AddressResult addAddress(final int ifIndex, final byte[] address, final int prefixLen) {
        return change(Rtnl.RTM_NEWADDR, ifIndex, address, prefixLen);
    }

    /** Removes {@code address}/{@code prefixLen} from interface {@code ifIndex}; NOT_FOUND when it is not there. */
    public AddressResult deleteAddress(final int ifIndex, final byte[] address, final int prefixLen) {
        return change(Rtnl.RTM_DELADDR, ifIndex, address, prefixLen);
    }

    private AddressResult change(final int type, final int ifIndex, final byte[] address, final int prefixLen) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length);
        }
        final int s = nextSeq();
        final int ifaFlags = address.length == 16 ? Rtnl.IFA_F_NODAD : 0;
        final int len = Rtnl.addressRequest(socket.sendBuffer(), type, s, ifIndex, address, prefixLen,
            scopeOf(address), ifaFlags);
        sendOrThrow(len, type);
        final int error = awaitAck(s, type);
        final AddressResult r = AddressResult.of(error);
        if (r == null) {
            throw new SysException(Rtnl.typeName(type), target(ifIndex, address, prefixLen), -error);
        }
        return r;
    }

    /**
     * The kernel's extended-ack text for the last refused request (e.g. "Invalid prefix length"), or null.
     * Allocates; valid until the next request.
     */
    public String lastErrorMessage() {
        return lastErrorOffset < 0 ? null : Rtnl.errorMessage(socket.receiveBuffer(), lastErrorOffset);
    }

    /** iproute2's default scope: host for 127/8 and ::1, link for fe80::/10, else global. */
    static int scopeOf(final byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) == 127 ? Rtnl.RT_SCOPE_HOST : Rtnl.RT_SCOPE_UNIVERSE;
        }
        if ((a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80) {
            return Rtnl.RT_SCOPE_LINK;
        }
        boolean loopback = a[15] == 1;
        for (int i = 0; i < 15 && loopback; i++) {
            loopback = a[i] == 0;
        }
        return loopback ? Rtnl.RT_SCOPE_HOST : Rtnl.RT_SCOPE_UNIVERSE;
    }

    /**
     * Lists the addresses of {@code family} (Rtnl.AF_INET, AF_INET6, or AF_UNSPEC for both) on interface
     * {@code ifIndex} (0: every interface), in the kernel's order. Allocates: for tools and start-up.
     */
    public List<InterfaceAddress> listAddresses(final int family, final int ifIndex) {
        final Map<Integer, String> names = linkNames();
        for (int attempt = 0; ; attempt++) {
            final List<InterfaceAddress> out = new ArrayList<>();
            final boolean complete = dump(Rtnl.getAddrDump(socket.sendBuffer(), nextSeq(), family), Rtnl.RTM_GETADDR,
                (b, off) -> {
                    if (Rtnl.msgType(b, off) == Rtnl.RTM_NEWADDR && addr.decode(b, off)
                        && (ifIndex == 0 || addr.ifIndex() == ifIndex)
                        && (family == Rtnl.AF_UNSPEC || addr.family() == family)) {
                        out.add(new InterfaceAddress(addr.ifIndex(), names.get(addr.ifIndex()), addr.inetAddress(),
                            addr.prefixLen(), addr.scope(), addr.flags(), addr.label()));
                    }
                });
            if (complete || attempt == MAX_DUMP_RESTARTS) {
                return out;
            }
        }
    }

    /** Interface index to name, from an RTM_GETLINK dump. Allocates. */
    public Map<Integer, String> linkNames() {
        for (int attempt = 0; ; attempt++) {
            final Map<Integer, String> names = new HashMap<>();
            final boolean complete = dump(Rtnl.getLinkDump(socket.sendBuffer(), nextSeq()), Rtnl.RTM_GETLINK,
                (b, off) -> {
                    if (Rtnl.msgType(b, off) == Rtnl.RTM_NEWLINK && link.decode(b, off)) {
                        names.put(link.ifIndex(), link.name());
                    }
                });
            if (complete || attempt == MAX_DUMP_RESTARTS) {
                return names;
            }
        }
    }

    /** Receives one message of a dump. */
    private interface MessageSink {
        void accept(ByteBuffer b, int off);
    }

    /** Sends a dump request and feeds every answer to {@code sink}; false when the dump was interrupted. */
    private boolean dump(final int len, final int type, final MessageSink sink) {
        final int s = Rtnl.msgSeq(socket.sendBuffer(), 0);
        sendOrThrow(len, type);
        boolean interrupted = false;
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            final int n = receiveOrThrow(deadlineNs, type);
            final ByteBuffer b = socket.receiveBuffer();
            for (int off = 0; Rtnl.msgOk(b, off, n); off = Rtnl.msgNext(b, off)) {
                if (Rtnl.msgSeq(b, off) != s) {
                    continue; // a stale answer to an earlier request
                }
                interrupted |= (Rtnl.msgFlags(b, off) & Rtnl.NLM_F_DUMP_INTR) != 0;
                final int t = Rtnl.msgType(b, off);
                if (t == Rtnl.NLMSG_DONE) {
                    return !interrupted;
                }
                if (t == Rtnl.NLMSG_ERROR) {
                    lastErrorOffset = off;
                    throw new SysException(Rtnl.typeName(type), "dump", -Rtnl.errorCode(b, off));
                }
                sink.accept(b, off);
            }
        }
    }

    private int nextSeq() {
        seq = (seq + 1) & 0x7fffffff;
        return seq;
    }

    private void sendOrThrow(final int len, final int type) {
        final long rc = socket.send(len);
        if (rc < 0) {
            throw new SysException("send " + Rtnl.typeName(type), "netlink", (int) -rc);
        }
    }

    private int receiveOrThrow(final long deadlineNs, final int type) {
        final long leftNs = deadlineNs - System.nanoTime();
        final int n = leftNs <= 0 ? 0 : socket.receive((int) Math.max(1, leftNs / 1_000_000));
        if (n == 0) {
            throw new SysException("receive " + Rtnl.typeName(type), "netlink", Errno.ETIMEDOUT);
        }
        if (n < 0) {
            throw new SysException("receive " + Rtnl.typeName(type), "netlink", -n);
        }
        return n;
    }

    /** Waits for the NLMSG_ERROR answering request {@code s}; returns its code (0 = acknowledged, else -errno). */
    private int awaitAck(final int s, final int type) {
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            final int n = receiveOrThrow(deadlineNs, type);
            final ByteBuffer b = socket.receiveBuffer();
            for (int off = 0; Rtnl.msgOk(b, off, n); off = Rtnl.msgNext(b, off)) {
                if (Rtnl.msgType(b, off) == Rtnl.NLMSG_ERROR && Rtnl.msgSeq(b, off) == s) {
                    final int error = Rtnl.errorCode(b, off);
                    lastErrorOffset = error == 0 ? -1 : off;
                    return error;
                }
            }
        }
    }

    private static String target(final int ifIndex, final byte[] address, final int prefixLen) {
        final StringBuilder sb = new StringBuilder();
        if (address.length == 4) {
            for (int i = 0; i < 4; i++) {
                sb.append(i == 0 ? "" : ".").append(address[i] & 0xff);
            }
        } else {
            for (int i = 0; i < 16; i += 2) {
                final int hextet = (address[i] & 0xff) << 8 | address[i + 1] & 0xff;
                sb.append(i == 0 ? "" : ":").append(Integer.toHexString(hextet));
            }
        }
        return sb.append('/').append(prefixLen).append(" ifindex ").append(ifIndex).toString();
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        socket.close();
    }
}
