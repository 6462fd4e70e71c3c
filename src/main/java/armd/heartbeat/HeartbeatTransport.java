package armd.heartbeat;

import java.nio.ByteBuffer;

/**
 * Moves heartbeat datagrams over one or more independent heartbeat networks ("paths"). One thread sends, one
 * (usually another) polls; neither call blocks or allocates in steady state.
 */
public interface HeartbeatTransport extends AutoCloseable {
    /** Number of heartbeat networks; path indexes are 0 .. pathCount() - 1. */
    int pathCount();

    /**
     * Sends {@code frame} (position to limit; neither changed) on every path, to every destination of the path.
     * Returns the number of paths on which at least one datagram left; failures are counted in {@link #stats()}.
     * Called only on the sending thread.
     */
    int send(ByteBuffer frame);

    /**
     * Drains every path without blocking and hands each datagram to {@code handler}; returns how many were
     * handed over (0: no work). Called only on the polling thread.
     */
    int poll(DatagramHandler handler);

    /**
     * After a {@link #poll}: the time (System.nanoTime clock) up to which every datagram received has been
     * handed over. A poll that emptied every path returns when it started; one that stopped at its bound on a
     * flooded path returns the receive time of the last datagram it handed over on that path, so a caller that
     * judges silence no later than this never takes its own late processing for a silent peer.
     * {@link Long#MAX_VALUE} when the transport has no such bound (it hands over everything, every time).
     */
    default long drainedThroughNs() {
        return Long.MAX_VALUE;
    }

    /** Descriptors to wait on with poll(2) for POLLIN/POLLERR (empty for a transport without any). */
    int[] fds();

    /** Send, receive and drop counters of this transport. */
    HeartbeatStats stats();

    /** Releases sockets; idempotent. */
    @Override
    void close();
}
