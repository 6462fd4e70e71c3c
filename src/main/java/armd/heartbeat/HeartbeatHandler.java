package armd.heartbeat;

import armd.wire.HeartbeatFrame;

/** Receives authenticated heartbeats from a {@link HeartbeatReceiver}; called on the polling thread. */
public interface HeartbeatHandler {
    /**
     * An authentic, non-replayed frame from peer {@code frame.senderId()} on {@code pathIndex}, received by the
     * kernel at {@code rxNs} ({@link System#nanoTime()} domain). {@code fresh} is true for the first copy of
     * this (incarnation, sequence) on any path: act on the payload then; every copy proves its path alive.
     * {@code frame} and its buffer are valid only during the call.
     */
    void onHeartbeat(int pathIndex, HeartbeatFrame frame, boolean fresh, long rxNs);

    /**
     * Peer {@code peerId}'s kernel refused a heartbeat on {@code pathIndex} (ICMP port unreachable: its agent is
     * not listening). Unicast paths only; see {@link DatagramHandler#onRefused}.
     */
    default void onPeerRefused(final int pathIndex, final int peerId, final long nowNs) {
    }
}
