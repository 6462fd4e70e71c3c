package armd.probe;

import armd.sys.packet.PacketSocket;
import armd.wire.Ndp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * IPv6 duplicate address detection in the manner of RFC 4862 (Neighbor Solicitations from the unspecified address to
 * the address's solicited-node group) and unsolicited Neighbor Advertisements (RFC 4861 section 7.2.6) on one
 * Ethernet interface, for floating IPv6 addresses: {@link ArpProbe}'s counterpart, with the same schedule, outcomes and
 * {@link ConflictResult}. Open once per interface, then {@link #probe} before adding an address (which then needs the
 * kernel's own detection off: IFA_F_NODAD) and {@link #announce} after. The frames go through an AF_PACKET socket:
 * the probe must come from ::, which no IPv6 socket sends from, and a conflict names the holder's hardware address.
 *
 * <p>The socket receives neighbour solicitations and advertisements only (a BPF filter), and also the solicited-node
 * group of each address probed (PACKET_ADD_MEMBERSHIP), so another host's simultaneous probe reaches it even through
 * an interface that filters multicast. In steady state neither call allocates. An address this host already holds is
 * reported free (our own kernel does not answer our probe): probe before adding. Not thread-safe; {@code probe} and
 * {@code announce} block for their schedule.
 */
public final class NdpProbe implements AutoCloseable {
    private final PacketSocket socket;
    private final boolean router;
    private final ConflictResult result = new ConflictResult();
    /** The Ethernet groups joined so far (a few at most: one per address probed), so each is joined once. */
    private final long[] joined = new long[8];
    private int joinedCount;

    private NdpProbe(final PacketSocket socket, final boolean router) {
        this.socket = socket;
        this.router = router;
    }

    /**
     * Opens a probe on {@code interfaceName}. The announcements carry the router flag when the interface forwards
     * IPv6 (net.ipv6.conf.IF.forwarding), as the kernel's own advertisements do.
     *
     * @throws armd.sys.SysException when the packet socket cannot be opened (ENODEV, EPERM...)
     * @throws IllegalArgumentException when the interface is not Ethernet (loopback, tun, ...)
     */
    public static NdpProbe open(final String interfaceName) {
        final PacketSocket s = PacketSocket.open(interfaceName, PacketSocket.ETH_P_IPV6);
        try {
            if (s.hardwareType() != PacketSocket.ARPHRD_ETHER) {
                throw new IllegalArgumentException("interface " + interfaceName + " has hardware type "
                    + s.hardwareType() + ", not Ethernet: neighbour discovery probing needs an Ethernet interface");
            }
            s.attachFilter(Ndp.SOCKET_FILTER);
            return new NdpProbe(s, forwards(interfaceName));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Whether the interface forwards IPv6 (in the calling thread's network namespace); false when unknown. */
    private static boolean forwards(final String interfaceName) {
        try {
            return Files.readString(Path.of("/proc/sys/net/ipv6/conf", interfaceName, "forwarding"),
                StandardCharsets.US_ASCII).strip().equals("1");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Our hardware address on the interface (48 bits). */
    public long mac() {
        return socket.hardwareAddress();
    }

    /** The interface name. */
    public String interfaceName() {
        return socket.interfaceName();
    }

    /** Whether announcements carry the router flag. */
    public boolean router() {
        return router;
    }

    /**
     * Sends {@code probes} Neighbor Solicitations for {@code address} (16 bytes) {@code spacingMs} apart, then listens
     * {@code waitMs} more; stops at the first conflict: an advertisement of the address or a solicitation from it
     * ({@link ConflictResult#IN_USE}), or another host's probe for it ({@link ConflictResult#PROBED}), named by the
     * hardware address in its link-layer option, else by the frame's source. Returns the reused result.
     */
    public ConflictResult probe(final byte[] address, final int probes, final int spacingMs, final int waitMs) {
        if (probes < 1 || spacingMs < 0 || waitMs < 0 || address.length != 16) {
            throw new IllegalArgumentException("a 16-byte address, probes >= 1, spacingMs >= 0, waitMs >= 0");
        }
        result.reset();
        final long group = Ndp.probeMac(address);
        join(group);
        final ByteBuffer rx = socket.receiveBuffer();
        final long mac = socket.hardwareAddress();
        // messages queued before this probe (and before the filter, at open) are old news: drop them
        drain();
        final int len = Ndp.writeProbe(socket.sendBuffer(), 0, address);
        final long startNs = System.nanoTime();
        long nextSendNs = startNs;
        long endNs = startNs;
        while (true) {
            long nowNs = System.nanoTime();
            if (result.sent < probes && nowNs - nextSendNs >= 0) {
                final long rc = socket.sendTo(len, group);
                if (rc < 0) {
                    return fail((int) -rc, ConflictResult.SEND_FAILED, startNs);
                }
                result.sent++;
                nextSendNs += spacingMs * 1_000_000L;
                if (result.sent == probes) {
                    endNs = nowNs + waitMs * 1_000_000L;
                }
            }
            final long n = socket.receive();
            if (n > 0) {
                final int kind = ours(mac) || !Ndp.isValid(rx, 0, (int) n) ? Ndp.NO_CONFLICT
                    : Ndp.conflict(rx, 0, address);
                if (kind != Ndp.NO_CONFLICT) {
                    final long named = Ndp.linkLayerAddress(rx, 0);
                    result.outcome = ProbeOutcome.FAULT;
                    result.conflictMac = named >= 0 ? named : socket.lastSourceAddress();
                    result.reason = kind == Ndp.IN_USE ? ConflictResult.IN_USE : ConflictResult.PROBED;
                    result.elapsedNs = System.nanoTime() - startNs;
                    return result;
                }
                result.ignored++;
            } else if (n < 0) {
                return fail((int) -n, ConflictResult.RECEIVE_FAILED, startNs);
            }
            // checked after every message too, so a flood of unrelated neighbour discovery cannot stretch the probe
            nowNs = System.nanoTime();
            if (result.sent == probes && nowNs - endNs >= 0) {
                result.elapsedNs = nowNs - startNs;
                return result;
            }
            final long waitNs = (result.sent < probes ? nextSendNs : endNs) - nowNs;
            if (n == 0 && waitNs > 0) {
                socket.await((int) Math.min(Integer.MAX_VALUE, (waitNs + 999_999) / 1_000_000));
            }
        }
    }

    /** Whether the last frame received is one of ours (sent by this host, looped back). */
    private boolean ours(final long mac) {
        return socket.lastPacketType() == PacketSocket.PACKET_OUTGOING || socket.lastSourceAddress() == mac;
    }

    private void join(final long group) {
        for (int i = 0; i < joinedCount; i++) {
            if (joined[i] == group) {
                return;
            }
        }
        socket.addMembership(group);
        if (joinedCount < joined.length) {
            joined[joinedCount++] = group;
        }
    }

    /**
     * Sends {@code count} unsolicited Neighbor Advertisements of {@code address} (16 bytes) to all nodes,
     * {@code spacingMs} apart, with the override flag: a neighbour with an entry for the address takes our hardware
     * address. Returns the reused result.
     */
    public ConflictResult announce(final byte[] address, final int count, final int spacingMs) {
        if (count < 1 || spacingMs < 0 || address.length != 16) {
            throw new IllegalArgumentException("a 16-byte address, count >= 1, spacingMs >= 0");
        }
        result.reset();
        final int len = Ndp.writeAnnouncement(socket.sendBuffer(), 0, socket.hardwareAddress(), address, router);
        final long startNs = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                final long dueNs = startNs + i * (long) spacingMs * 1_000_000L;
                for (long left = dueNs - System.nanoTime(); left > 0; left = dueNs - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
            }
            final long rc = socket.sendTo(len, Ndp.ALL_NODES_MAC);
            if (rc < 0) {
                return fail((int) -rc, ConflictResult.SEND_FAILED, startNs);
            }
            result.sent++;
        }
        result.elapsedNs = System.nanoTime() - startNs;
        return result;
    }

    private ConflictResult fail(final int errno, final String reason, final long startNs) {
        result.outcome = ProbeOutcome.ERROR;
        result.errno = errno;
        result.reason = reason;
        result.elapsedNs = System.nanoTime() - startNs;
        return result;
    }

    /** Discards queued messages, at most 4096 (bounded even under a flood). */
    private void drain() {
        int left = 4096;
        while (left-- > 0 && socket.receive() > 0) {
            // discarded
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
