package armd.probe;

import armd.sys.packet.PacketSocket;
import armd.wire.ArpPacket;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * IPv4 address conflict detection (RFC 5227 ARP Probe) and gratuitous ARP (RFC 5227 ARP Announcement) on one
 * Ethernet interface, for the floating-IP resource: open once per interface, then {@link #probe} before
 * adding an address and {@link #announce} after. In steady state neither allocates: the packet socket's
 * buffers are native memory allocated at open, and the {@link ConflictResult} is reused. IPv6's counterpart is
 * {@link NdpProbe}.
 *
 * <p>The schedule (how many probes, how far apart, how long to listen) is the caller's: the floating IP's comes
 * from its configuration, where the defaults and why they are much shorter than RFC 5227's are explained
 * (ClusterConfig.Arp, in the configuration package).
 *
 * <p>An address this host already holds on the interface is reported free (our own kernel does not answer
 * our probe): probe before adding. Not thread-safe: one resource owns a probe; the result is valid until
 * the next call. {@code probe} and {@code announce} block for their schedule.
 */
public final class ArpProbe implements AutoCloseable {
    private final PacketSocket socket;
    private final ConflictResult result = new ConflictResult();

    private ArpProbe(final PacketSocket socket) {
        this.socket = socket;
    }

    /**
     * Opens a probe on {@code interfaceName}.
     *
     * @throws armd.sys.SysException when the packet socket cannot be opened (ENODEV, EPERM...)
     * @throws IllegalArgumentException when the interface is not Ethernet (loopback, tun, ...)
     */
    public static ArpProbe open(final String interfaceName) {
        final PacketSocket s = PacketSocket.open(interfaceName, PacketSocket.ETH_P_ARP);
        if (s.hardwareType() != PacketSocket.ARPHRD_ETHER) {
            s.close();
            throw new IllegalArgumentException("interface " + interfaceName + " has hardware type "
                + s.hardwareType() + ", not Ethernet: ARP probing needs an Ethernet interface");
        }
        return new ArpProbe(s);
    }

    /** Our hardware address on the interface (48 bits). */
    public long mac() {
        return socket.hardwareAddress();
    }

    /** The interface name. */
    public String interfaceName() {
        return socket.interfaceName();
    }

    /**
     * Sends {@code probes} ARP Probes for {@code address} (IPv4, first octet most significant) {@code spacingMs}
     * apart, then listens {@code waitMs} more; stops at the first conflict. Returns the reused result.
     */
    public ConflictResult probe(final int address, final int probes, final int spacingMs, final int waitMs) {
        if (probes < 1 || spacingMs < 0 || waitMs < 0) {
            throw new IllegalArgumentException("probes >= 1, spacingMs >= 0, waitMs >= 0");
        }
        result.reset();
        final ByteBuffer rx = socket.receiveBuffer();
        final long mac = socket.hardwareAddress();
        // frames queued before this probe (the socket sees all ARP on the LAN) are old news: drop them
        drain();
        final int len = ArpPacket.writeProbe(socket.sendBuffer(), 0, mac, address);
        final long startNs = System.nanoTime();
        long nextSendNs = startNs;
        long endNs = startNs;
        while (true) {
            long nowNs = System.nanoTime();
            if (result.sent < probes && nowNs - nextSendNs >= 0) {
                final long rc = socket.sendBroadcast(len);
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
                final int kind = ArpPacket.conflict(rx, 0, (int) n, address, mac);
                if (kind != ArpPacket.NO_CONFLICT) {
                    result.outcome = ProbeOutcome.FAULT;
                    result.conflictMac = ArpPacket.senderMac(rx, 0);
                    result.reason = kind == ArpPacket.IN_USE ? ConflictResult.IN_USE : ConflictResult.PROBED;
                    result.elapsedNs = System.nanoTime() - startNs;
                    return result;
                }
                result.ignored++;
            } else if (n < 0) {
                return fail((int) -n, ConflictResult.RECEIVE_FAILED, startNs);
            }
            // checked after every frame too, so a flood of unrelated ARP cannot stretch the probe
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

    /**
     * Sends {@code count} ARP Announcements (gratuitous ARP requests) of {@code address}, {@code spacingMs}
     * apart. Returns the reused result.
     */
    public ConflictResult announce(final int address, final int count, final int spacingMs) {
        if (count < 1 || spacingMs < 0) {
            throw new IllegalArgumentException("count >= 1, spacingMs >= 0");
        }
        result.reset();
        final int len = ArpPacket.writeAnnouncement(socket.sendBuffer(), 0, socket.hardwareAddress(), address);
        final long startNs = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                final long dueNs = startNs + i * (long) spacingMs * 1_000_000L;
                for (long left = dueNs - System.nanoTime(); left > 0; left = dueNs - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
            }
            final long rc = socket.sendBroadcast(len);
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
