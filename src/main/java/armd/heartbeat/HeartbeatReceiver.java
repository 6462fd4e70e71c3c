package armd.heartbeat;

import armd.wire.HeartbeatFrame;
import armd.wire.HeartbeatFrame.Result;

import java.nio.ByteBuffer;

/**
 * Authenticates what a {@link HeartbeatTransport} receives: decodes and verifies each frame
 * ({@link HeartbeatFrame}), checks it against a replay window per path and sender, counts every drop by reason
 * in the transport's {@link HeartbeatStats}, and hands only authentic, new frames to a {@link HeartbeatHandler}.
 *
 * <p>A frame arrives once per path, so each path has its own window (a copy on the second network is not a
 * replay); a window across paths tells the handler which copy is the first ({@code fresh}) and drops frames of
 * an incarnation older than one already seen on any path.
 *
 * <p>Called only on the polling thread; allocates nothing per frame.
 */
public final class HeartbeatReceiver implements DatagramHandler {
    private final HeartbeatTransport transport;
    private final HeartbeatStats stats;
    private final HeartbeatFrame codec;
    private final int senderMask;
    private final ReplayWindow[] pathWindows;
    private final ReplayWindow anyPath;
    private final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH + 1];
    private HeartbeatHandler handler;

    /**
     * A receiver for the server {@code selfId} in a cluster of servers {@code 0 .. servers - 1} (frames claiming
     * {@code selfId} or an id outside the cluster are {@link Result#UNKNOWN_SENDER}).
     */
    public HeartbeatReceiver(final HeartbeatTransport transport, final byte[] key, final int clusterId,
                             final int selfId, final int servers) {
        if (servers < 1 || servers > HeartbeatFrame.MAX_SENDER_ID + 1 || selfId < 0 || selfId >= servers) {
            throw new IllegalArgumentException("server " + selfId + " of " + servers);
        }
        this.transport = transport;
        this.stats = transport.stats();
        this.codec = new HeartbeatFrame(key, clusterId);
        this.senderMask = ((1 << servers) - 1) & ~(1 << selfId);
        this.pathWindows = new ReplayWindow[transport.pathCount()];
        for (int p = 0; p < pathWindows.length; p++) {
            pathWindows[p] = new ReplayWindow(HeartbeatFrame.MAX_SENDER_ID + 1);
        }
        this.anyPath = new ReplayWindow(HeartbeatFrame.MAX_SENDER_ID + 1);
    }

    /** Drains the transport; returns the number of datagrams and refusals seen (0: no work). */
    public int poll(final HeartbeatHandler h) {
        handler = h;
        try {
            return transport.poll(this);
        } finally {
            handler = null;
        }
    }

    /** See {@link HeartbeatTransport#drainedThroughNs()}: valid after {@link #poll}. */
    public long drainedThroughNs() {
        return transport.drainedThroughNs();
    }

    /** The counters (shared with the transport). */
    public HeartbeatStats stats() {
        return stats;
    }

    /** Not for callers: the transport's callback. */
    @Override
    public void onDatagram(final int pathIndex, final ByteBuffer datagram, final long rxNs) {
        // one byte more than the largest frame: an oversize datagram decodes as BAD_LENGTH, not as a valid prefix
        final int len = Math.min(datagram.limit(), frame.length);
        datagram.get(0, frame, 0, len);
        // the cheap checks first (structure, cluster, sender, replay): garbage and replays cost no HMAC
        Result r = codec.check(frame, 0, len, senderMask);
        boolean fresh = false;
        if (r == Result.OK) {
            final int sender = codec.senderId();
            if ((anyPath.known(sender)
                && Long.compareUnsigned(codec.incarnation(), anyPath.incarnation(sender)) < 0)
                || pathWindows[pathIndex].stale(sender, codec.incarnation(), codec.sequence())) {
                r = Result.REPLAY;
            } else if ((r = codec.verify()) == Result.OK) {
                r = pathWindows[pathIndex].check(sender, codec.incarnation(), codec.sequence());
                if (r == Result.OK) {
                    fresh = anyPath.check(sender, codec.incarnation(), codec.sequence()) == Result.OK;
                }
            }
        }
        stats.countResult(r);
        if (r == Result.OK) {
            stats.countAccepted(pathIndex);
            handler.onHeartbeat(pathIndex, codec, fresh, rxNs);
        }
    }

    /** Not for callers: the transport's callback. */
    @Override
    public void onRefused(final int pathIndex, final int peerId, final long nowNs) {
        handler.onPeerRefused(pathIndex, peerId, nowNs);
    }
}
