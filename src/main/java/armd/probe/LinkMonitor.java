package armd.probe;

import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.netlink.NetlinkSocket;
import armd.wire.Rtnl;
import armd.wire.RtnlAddr;
import armd.wire.RtnlLink;

import java.nio.ByteBuffer;

/**
 * Link and address events from the kernel (rtnetlink multicast groups RTMGRP_LINK, RTMGRP_IPV4_IFADDR,
 * RTMGRP_IPV6_IFADDR), so the agent learns of a link loss without polling interface state. The descriptor
 * is non-blocking: put {@link #fd()} in the agent's poll set, or call {@link #poll} once per duty cycle.
 *
 * <p>Decoding reuses one {@link RtnlLink} and one {@link RtnlAddr}: the steady state allocates nothing, and
 * the handler must copy what it keeps. When the socket overran (a burst larger than its buffer), events were
 * lost: {@link Handler#onOverrun()} tells the agent to re-read the state with a dump.
 *
 * <p>Not thread-safe: one owner thread. The subscription is in the network namespace of the opening thread.
 */
public final class LinkMonitor implements AutoCloseable {
    /** Room for bursts (many interfaces flapping at once) before the kernel drops events. */
    static final int RCVBUF_BYTES = 1 << 20;

    /** Receives decoded events; called on the thread that calls {@link #poll}. */
    public interface Handler {
        /** RTM_NEWLINK (a link appeared or changed) or RTM_DELLINK (it is gone); {@code link} is reused. */
        void onLink(int type, RtnlLink link);

        /** RTM_NEWADDR or RTM_DELADDR; {@code address} is reused. */
        default void onAddress(final int type, final RtnlAddr address) {
        }

        /** Events were lost (ENOBUFS): re-read link and address state. */
        default void onOverrun() {
        }
    }

    private final NetlinkSocket socket;
    private final RtnlLink link = new RtnlLink();
    private final RtnlAddr addr = new RtnlAddr();
    private int dumpSeq;

    private LinkMonitor(final NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Subscribes to link and (when {@code addresses}) IPv4 and IPv6 address events. */
    public static LinkMonitor open(final boolean addresses) {
        final int groups = Rtnl.RTMGRP_LINK | (addresses ? Rtnl.RTMGRP_IPV4_IFADDR | Rtnl.RTMGRP_IPV6_IFADDR : 0);
        return new LinkMonitor(NetlinkSocket.open(groups, RCVBUF_BYTES));
    }

    /** The non-blocking descriptor; readable when events wait. */
    public int fd() {
        return socket.fd();
    }

    /**
     * Asks the kernel for the state of every link (an RTM_GETLINK dump) on this subscription's socket: the
     * answers arrive through {@link #poll} as RTM_NEWLINK events, after which events keep the state current.
     * This is how an event watcher learns the state it starts from.
     */
    public void requestLinkDump() {
        final long rc = socket.send(Rtnl.getLinkDump(socket.sendBuffer(), ++dumpSeq));
        if (rc < 0) {
            throw new SysException("send", "netlink link dump", (int) -rc);
        }
    }

    /** Waits at most {@code timeoutMs} for events: true when some wait. */
    public boolean await(final int timeoutMs) {
        final int rc = socket.waitReadable(timeoutMs);
        if (rc < 0 && rc != -Errno.EINTR) {
            throw new SysException("poll", "netlink link events", -rc);
        }
        return rc > 0;
    }

    /**
     * Decodes every event that is waiting and hands each to {@code handler}, without blocking; returns how
     * many events it delivered (0: none waiting).
     */
    public int poll(final Handler handler) {
        int count = 0;
        while (true) {
            final int n = socket.receive(0);
            if (n == 0 || n == -Errno.EAGAIN) {
                return count;
            }
            if (n == -Errno.ENOBUFS) {
                handler.onOverrun();
                count++;
                continue;
            }
            if (n < 0) {
                throw new SysException("recv", "netlink link events", -n);
            }
            final ByteBuffer b = socket.receiveBuffer();
            for (int off = 0; Rtnl.msgOk(b, off, n); off = Rtnl.msgNext(b, off)) {
                final int type = Rtnl.msgType(b, off);
                switch (type) {
                    case Rtnl.RTM_NEWLINK, Rtnl.RTM_DELLINK -> {
                        if (link.decode(b, off)) {
                            handler.onLink(type, link);
                            count++;
                        }
                    }
                    case Rtnl.RTM_NEWADDR, Rtnl.RTM_DELADDR -> {
                        if (addr.decode(b, off)) {
                            handler.onAddress(type, addr);
                            count++;
                        }
                    }
                    default -> {
                        // NLMSG_NOOP, NLMSG_OVERRUN or a group we did not ask for: nothing to do
                    }
                }
            }
        }
    }

    /** Closes the subscription; idempotent. */
    @Override
    public void close() {
        socket.close();
    }
}
