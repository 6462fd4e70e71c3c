package armd.heartbeat;

import java.nio.ByteBuffer;

/** Receives what a {@link HeartbeatTransport} drains; called on the polling thread, must not block. */
public interface DatagramHandler {
    /**
     * One datagram from heartbeat network {@code pathIndex}: bytes [0, limit) of {@code datagram}, valid only
     * during the call. {@code rxNs} is the kernel's receive time in the {@link System#nanoTime()} domain.
     */
    void onDatagram(int pathIndex, ByteBuffer datagram, long rxNs);

    /**
     * A send to peer {@code peerId} on {@code pathIndex} was refused (ICMP port unreachable: the peer's kernel
     * is up but nothing listens on the heartbeat port, e.g. its agent was killed). {@code nowNs} is when it was
     * seen, in the {@link System#nanoTime()} domain. Unicast paths only.
     */
    void onRefused(int pathIndex, int peerId, long nowNs);
}
