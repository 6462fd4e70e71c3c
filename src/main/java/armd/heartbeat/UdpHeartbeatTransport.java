package armd.heartbeat;

import armd.sys.Clock;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.netlink.InterfaceAddress;
import armd.sys.netlink.Rtnetlink;
import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFilter;
import armd.wire.Rtnl;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Heartbeats over UDP, IPv4 or IPv6 (each path of its local address's family, so a server may have both at once), one
 * socket per heartbeat network. A multicast path sends to its group with TTL (hop limit) 1 and loop off and receives
 * only the group it joined on its own interface (IP_MULTICAST_ALL off), so the networks stay independent. A unicast
 * path (networks without multicast) receives on its local address and sends to each peer through a socket connected to
 * it: the send doubles as a probe, and a peer whose kernel answers "port unreachable" (its agent is gone) is reported
 * through {@link DatagramHandler#onRefused}.
 *
 * <p>Receive times are the kernel's (SO_TIMESTAMPNS), mapped into the {@link System#nanoTime()} domain at drain time,
 * so a late poll does not make a peer look late. Threads: {@link #send} on one thread, {@link #poll} on one thread;
 * construction in the network namespace the sockets belong to.
 */
public final class UdpHeartbeatTransport implements HeartbeatTransport {
    /** At most this many datagrams per path per poll, so one flooded path cannot starve the others. */
    public static final int MAX_DRAIN_PER_PATH = 256;

    /**
     * One heartbeat network.
     *
     * @param ifName        the interface (SO_BINDTODEVICE and the multicast interface), or null: chosen by
     *                      {@code localAddress}; a link-local IPv6 path needs it (it is the scope of the addresses)
     * @param localAddress  this server's address on the network, IPv4 or IPv6
     * @param group         the multicast group of the local address's family (239.0.0.0/8, ff02::/16...), or null
     *                      for unicast to {@code peers}
     * @param port          the heartbeat UDP port (the same on every server)
     * @param peers         the other servers' addresses on this network: the unicast destinations, or on a
     *                      multicast path the targets of the crash probes (none: no crash probes)
     */
    public record Path(String ifName, InetAddress localAddress, InetAddress group, int port, List<Peer> peers) {
        /** A multicast path without crash probes. */
        public static Path multicast(final String ifName, final InetAddress localAddress, final InetAddress group,
                                     final int port) {
            return new Path(ifName, localAddress, group, port, List.of());
        }

        /**
         * A multicast path that also sends each peer a one-byte crash probe by unicast with every heartbeat: a
         * peer whose agent died while its kernel lives answers it with ICMP port unreachable, which multicast
         * itself never gets, so the crash is known after a few intervals instead of the whole timeout.
         */
        public static Path multicast(final String ifName, final InetAddress localAddress, final InetAddress group,
                                     final int port, final List<Peer> peers) {
            return new Path(ifName, localAddress, group, port, List.copyOf(peers));
        }

        /** A unicast path. */
        public static Path unicast(final String ifName, final InetAddress localAddress, final int port,
                                   final List<Peer> peers) {
            return new Path(ifName, localAddress, null, port, List.copyOf(peers));
        }
    }

    /**
     * A peer on a unicast path.
     *
     * @param serverId the peer's server id (reported with refusals)
     * @param address  its address on this network (the path's family)
     */
    public record Peer(int serverId, InetAddress address) {
    }

    /**
     * Socket options for heartbeat packets.
     *
     * @param tos           IP_TOS byte (0xc0 = DSCP CS6, network control), or -1 to leave it
     * @param priority      SO_PRIORITY (0..6; 6 = TC_PRIO_INTERACTIVE... the highest without CAP_NET_ADMIN), or -1
     * @param receiveBuffer receive buffer of each receiving socket in bytes (SO_RCVBUFFORCE as root), or 0 to
     *                      leave the system default
     * @param filterCluster with {@code filter}: the cluster id the kernel filter lets through
     * @param filter        attach a {@link HeartbeatFilter} to each receiving socket: the kernel drops what is not
     *                      a frame of this cluster from a peer's address, before it is queued
     */
    public record Options(int tos, int priority, int receiveBuffer, int filterCluster, boolean filter) {
        /**
         * CS6 and priority 6: heartbeats ahead of bulk traffic in the qdisc and on the switch; a 4 MiB receive
         * buffer, room for tens of thousands of frames queued while the agent thread waits for a CPU.
         */
        public static final Options DEFAULT = new Options(0xc0, 6, 4 << 20, 0, false);

        /** These options with the kernel filter for cluster {@code clusterId}. */
        public Options withKernelFilter(final int clusterId) {
            return new Options(tos, priority, receiveBuffer, clusterId, true);
        }
    }

    private final int paths;
    private final UdpSocket[] receivers;
    private final boolean[] multicast;
    private final UdpSocket[][] connected;
    private final int[][] peerIds;
    private final int[] refusalBase;
    /** Per multicast path with crash probes: the socket they arrive at (drained, discarded), else null. */
    private final UdpSocket[] sinks;
    /** The crash probe: one byte (a zero-length datagram would read like "nothing to receive"). */
    private final ByteBuffer probe = ByteBuffer.allocateDirect(1);
    private final AtomicLongArray refusedBySender;
    private final long[] refusedReported;
    private final int[] fds;
    private final HeartbeatStats stats;
    private long drainedThroughNs = Long.MAX_VALUE;
    private long dropsReadNs;
    private volatile boolean closed;

    private UdpHeartbeatTransport(final UdpSocket[] receivers, final boolean[] multicast,
                                  final UdpSocket[][] connected, final int[][] peerIds, final int[] refusalBase,
                                  final int refusalSlots, final int[] fds, final UdpSocket[] sinks) {
        this.sinks = sinks;
        this.paths = receivers.length;
        this.receivers = receivers;
        this.multicast = multicast;
        this.connected = connected;
        this.peerIds = peerIds;
        this.refusalBase = refusalBase;
        this.stats = new HeartbeatStats(paths);
        this.refusedBySender = new AtomicLongArray(refusalSlots);
        this.refusedReported = new long[refusalSlots];
        this.fds = fds;
    }

    /**
     * Opens the sockets of every path in the calling thread's network namespace. Throws
     * {@link armd.sys.SysException} naming the option and path that failed (the sockets opened so far are closed).
     */
    public static UdpHeartbeatTransport open(final List<Path> pathList, final Options options) {
        final int paths = pathList.size();
        final UdpSocket[] receivers = new UdpSocket[paths];
        final boolean[] multicast = new boolean[paths];
        final UdpSocket[][] connected = new UdpSocket[paths][];
        final int[][] peerIds = new int[paths][];
        final int[] refusalBase = new int[paths];
        final UdpSocket[] sinks = new UdpSocket[paths];
        final List<UdpSocket> opened = new ArrayList<>();
        try {
            int slots = 0;
            for (int p = 0; p < pathList.size(); p++) {
                final Path given = pathList.get(p);
                final String name = "heartbeat path " + p + " (" + armd.wire.RtnlAddr.text(given.localAddress())
                    + (given.ifName() == null ? "" : " " + given.ifName()) + ")";
                final boolean v6 = given.localAddress() instanceof Inet6Address;
                final int ifIndex = given.ifName() != null ? UdpSocket.ifIndex(given.ifName())
                    : v6 && given.group() != null ? interfaceOf(given.localAddress(), name) : 0;
                final Path path = v6 ? scoped(given, ifIndex) : given;
                final UdpSocket rx = UdpSocket.open(name, v6);
                opened.add(rx);
                receivers[p] = rx;
                multicast[p] = path.group() != null;
                rx.reuseAddress();
                common(rx, path, options);
                if (options.filter()) {
                    // before bind: nothing unfiltered is ever queued; the same checks for an IPv6 path, its
                    // sources compared as 16 bytes
                    if (v6) {
                        // multicast to a link-scope group leaves from the sender's link-local address (RFC 6724
                        // source selection), not the configured one: a multicast path checks no source (the MAC
                        // still authenticates the frame)
                        final byte[][] sources = new byte[path.group() != null ? 0 : path.peers().size()][];
                        for (int i = 0; i < sources.length; i++) {
                            sources[i] = path.peers().get(i).address().getAddress();
                        }
                        rx.attachFilter(HeartbeatFilter.programIpv6(options.filterCluster(), sources));
                    } else {
                        final int[] sources = new int[path.peers().size()];
                        for (int i = 0; i < sources.length; i++) {
                            sources[i] = ByteBuffer.wrap(path.peers().get(i).address().getAddress()).getInt();
                        }
                        rx.attachFilter(HeartbeatFilter.program(options.filterCluster(), sources));
                    }
                }
                if (options.receiveBuffer() > 0) {
                    rx.receiveBuffer(options.receiveBuffer());
                }
                if (path.group() != null) {
                    rx.multicastAll(false);
                    rx.bind(path.group(), path.port());
                    rx.joinGroup(path.group(), path.localAddress(), ifIndex);
                    rx.multicastInterface(path.localAddress(), ifIndex);
                    rx.multicastTtl(1);
                    rx.multicastLoop(false);
                    rx.addDestination(path.group(), path.port());
                    if (!path.peers().isEmpty()) {
                        // the crash probes' landing place: while this agent lives, its port is open here
                        final UdpSocket sink = UdpSocket.open(name + " crash-probe sink", v6);
                        opened.add(sink);
                        sinks[p] = sink;
                        sink.reuseAddress();
                        common(sink, path, options);
                        sink.bind(path.localAddress(), path.port());
                    }
                }
                if (path.group() == null) {
                    rx.bind(path.localAddress(), path.port());
                }
                {
                    final int n = path.peers().size();
                    connected[p] = new UdpSocket[n];
                    peerIds[p] = new int[n];
                    for (int i = 0; i < n; i++) {
                        final Peer peer = path.peers().get(i);
                        final UdpSocket tx = UdpSocket.open(name + " to server " + peer.serverId(), v6);
                        opened.add(tx);
                        common(tx, path, options);
                        tx.bind(path.localAddress(), 0);
                        // a link down while the agent starts (no route yet) is a path down, not a configuration
                        // error: the socket connects at its first send that finds a route
                        tx.connectOrDefer(peer.address(), path.port());
                        connected[p][i] = tx;
                        peerIds[p][i] = peer.serverId();
                    }
                }
                refusalBase[p] = slots;
                slots += connected[p].length;
            }
            final int[] fds = new int[opened.size()];
            for (int i = 0; i < fds.length; i++) {
                fds[i] = opened.get(i).fd();
            }
            return new UdpHeartbeatTransport(receivers, multicast, connected, peerIds, refusalBase, slots, fds, sinks);
        } catch (RuntimeException e) {
            for (final UdpSocket s : opened) {
                s.close();
            }
            throw e;
        }
    }

    /**
     * {@code path} with its link-local addresses (local, peers, a link-scope group) scoped to interface
     * {@code ifIndex}, as the kernel needs them for bind, connect and send; others as they are.
     */
    private static Path scoped(final Path path, final int ifIndex) {
        final List<Peer> peers = new ArrayList<>();
        for (final Peer peer : path.peers()) {
            peers.add(new Peer(peer.serverId(), scoped(peer.address(), ifIndex)));
        }
        return new Path(path.ifName(), scoped(path.localAddress(), ifIndex),
            path.group() == null ? null : scoped(path.group(), ifIndex), path.port(), List.copyOf(peers));
    }

    /** {@code a} with scope {@code ifIndex} when it needs one (link-local unicast, link- or node-local multicast). */
    private static InetAddress scoped(final InetAddress a, final int ifIndex) {
        final boolean needs = a.isLinkLocalAddress() || a.isMCLinkLocal() || a.isMCNodeLocal();
        if (!(a instanceof Inet6Address v6) || !needs || ifIndex <= 0 || v6.getScopeId() != 0) {
            return a;
        }
        try {
            return Inet6Address.getByAddress(null, a.getAddress(), ifIndex);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The index of the interface that holds IPv6 address {@code local} (its scope when it has one): an IPv6 group is
     * joined on an interface, never by address. Throws {@link SysException} (EADDRNOTAVAIL) when none has it.
     */
    private static int interfaceOf(final InetAddress local, final String name) {
        if (local instanceof Inet6Address v6 && v6.getScopeId() != 0) {
            return v6.getScopeId();
        }
        try (Rtnetlink rt = Rtnetlink.open()) {
            for (final InterfaceAddress ia : rt.listAddresses(Rtnl.AF_INET6, 0)) {
                if (java.util.Arrays.equals(ia.address().getAddress(), local.getAddress())) {
                    return ia.ifIndex();
                }
            }
        }
        throw new SysException("find the interface of", name, Errno.EADDRNOTAVAIL);
    }

    private static void common(final UdpSocket s, final Path path, final Options options) {
        if (path.ifName() != null) {
            s.bindToDevice(path.ifName());
        }
        if (options.tos() >= 0) {
            s.tos(options.tos());
        }
        if (options.priority() >= 0) {
            s.priority(options.priority());
        }
    }

    @Override
    public int pathCount() {
        return paths;
    }

    @Override
    public int send(final ByteBuffer frame) {
        if (closed) {
            return 0;
        }
        final int off = frame.position();
        final int len = frame.remaining();
        int ok = 0;
        for (int p = 0; p < paths; p++) {
            boolean any = false;
            if (multicast[p]) {
                any = counted(p, receivers[p].sendTo(0, frame, off, len));
                final UdpSocket[] socks = connected[p];
                for (int i = 0; i < socks.length; i++) {
                    if (socks[i].send(probe, 0, 1) == -Errno.ECONNREFUSED) {
                        refusedBySender.getAndIncrement(refusalBase[p] + i);
                        socks[i].send(probe, 0, 1);
                    }
                }
            } else {
                final UdpSocket[] socks = connected[p];
                for (int i = 0; i < socks.length; i++) {
                    int rc = socks[i].send(frame, off, len);
                    if (rc == -Errno.ECONNREFUSED) {
                        // the error was an earlier datagram's ICMP reply; it is cleared now: send this one again
                        refusedBySender.getAndIncrement(refusalBase[p] + i);
                        rc = socks[i].send(frame, off, len);
                    }
                    any |= counted(p, rc);
                }
            }
            if (any) {
                ok++;
            }
        }
        return ok;
    }

    private boolean counted(final int path, final int rc) {
        if (rc >= 0) {
            stats.countSent(path);
            return true;
        }
        stats.countSendError(path, -rc);
        return false;
    }

    @Override
    public int poll(final DatagramHandler handler) {
        if (closed) {
            return 0;
        }
        int n = 0;
        long nowNs = 0;
        long nowRealtimeNs = 0;
        final long startNs = System.nanoTime();
        long through = Long.MAX_VALUE;
        for (int p = 0; p < paths; p++) {
            final UdpSocket rx = receivers[p];
            // a path emptied (EAGAIN) is handed over up to the start of this poll; one cut off at the bound only
            // up to the last datagram handed over
            long pathThrough = startNs;
            for (int i = 0; i < MAX_DRAIN_PER_PATH; i++) {
                final int rc = rx.receive();
                if (rc == 0) {
                    pathThrough = startNs;
                    break;
                }
                if (rc < 0) {
                    stats.countReceiveError(p);
                    break;
                }
                if (nowNs == 0) {
                    // one pair of clock readings per drain, after the first datagram is in hand, as close together
                    // as this thread gets them: a preemption between the two would shift every receive time of
                    // the drain by its length (frames would look older than they are, silence longer)
                    long a = System.nanoTime();
                    long rt = Clock.realtimeNs();
                    long b = System.nanoTime();
                    for (int k = 0; k < CLOCK_PAIR_TRIES && b - a > CLOCK_PAIR_NS; k++) {
                        a = System.nanoTime();
                        rt = Clock.realtimeNs();
                        b = System.nanoTime();
                    }
                    nowNs = a + (b - a) / 2;
                    nowRealtimeNs = rt;
                }
                final long rt = rx.rxRealtimeNs();
                final long rxNs = rt == 0 ? nowNs : Clock.toNanoTime(rt, nowNs, nowRealtimeNs);
                final ByteBuffer buf = rx.rxBuffer();
                buf.limit(rx.rxLength()).position(0);
                handler.onDatagram(p, buf, rxNs);
                n++;
                pathThrough = Math.min(rxNs, startNs);
            }
            through = Math.min(through, pathThrough);
            if (sinks[p] != null) {
                // crash probes from live peers (one byte: nothing to read in them); anything longer is a frame
                // sent by unicast, such as a guardian's "gone", and goes to the handler like any other
                final UdpSocket sink = sinks[p];
                for (int i = 0; i < MAX_DRAIN_PER_PATH && sink.receive() > 0; i++) {
                    n++;
                    if (sink.rxLength() > 1) {
                        final ByteBuffer buf = sink.rxBuffer();
                        buf.limit(sink.rxLength()).position(0);
                        handler.onDatagram(p, buf, System.nanoTime());
                    }
                }
            }
            final UdpSocket[] socks = connected[p];
            for (int i = 0; i < socks.length; i++) {
                final int slot = refusalBase[p] + i;
                boolean refused = false;
                // a connected socket receives nothing but its pending error; bounded like any drain
                for (int k = 0; k < 4; k++) {
                    final int rc = socks[i].receive();
                    if (rc == 0) {
                        break;
                    }
                    if (rc == -Errno.ECONNREFUSED) {
                        refused = true;
                    }
                }
                final long bySender = refusedBySender.get(slot);
                if (bySender != refusedReported[slot]) {
                    refusedReported[slot] = bySender;
                    refused = true;
                }
                if (refused) {
                    stats.countRefused(p);
                    handler.onRefused(p, peerIds[p][i], System.nanoTime());
                    n++;
                }
            }
        }
        drainedThroughNs = through;
        if (startNs - dropsReadNs > DROPS_READ_NS) {
            dropsReadNs = startNs;
            for (int p = 0; p < paths; p++) {
                final long d = receivers[p].kernelDrops();
                if (d >= 0) {
                    stats.setKernelDropped(p, d);
                }
            }
        }
        return n;
    }

    /** How often the kernel's drop counters are read (one getsockopt per path). */
    private static final long DROPS_READ_NS = 100_000_000L;
    /** A pair of clock readings farther apart than this (the thread was preempted) is read again, a few times. */
    private static final long CLOCK_PAIR_NS = 50_000L;
    private static final int CLOCK_PAIR_TRIES = 3;

    @Override
    public long drainedThroughNs() {
        return drainedThroughNs;
    }

    @Override
    public int[] fds() {
        return fds.clone();
    }

    @Override
    public HeartbeatStats stats() {
        return stats;
    }

    /** Closes every socket; idempotent. Call after the sending and polling threads have stopped using it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int p = 0; p < paths; p++) {
            receivers[p].close();
            if (sinks[p] != null) {
                sinks[p].close();
            }
            for (final UdpSocket s : connected[p]) {
                s.close();
            }
        }
    }
}
