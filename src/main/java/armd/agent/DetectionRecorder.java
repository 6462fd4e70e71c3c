package armd.agent;

import armd.cluster.ClusterNode;
import armd.cluster.PeerStatus;
import armd.status.ClusterStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Detection latencies for the status and /metrics: at every turn of the agent loop, a peer that was heard and is
 * now DOWN was declared down in that turn; how long it had then been silent on every path (from the kernel's
 * receive time of its last heartbeat) is recorded. Runs on the agent thread; a turn without a detection reads one
 * enum per server and allocates nothing.
 */
public final class DetectionRecorder implements LongConsumer {
    /** Detections kept. */
    public static final int KEPT = 16;

    private final ClusterAgent agent;
    private final PathStats paths;
    private final PeerStatus[] previous;
    private final ArrayDeque<ClusterStatus.Detection> last = new ArrayDeque<>();

    /** Watches the peers of {@code agent}, whose heartbeats {@code paths} counts. */
    public DetectionRecorder(final ClusterAgent agent, final PathStats paths, final int servers) {
        this.agent = agent;
        this.paths = paths;
        this.previous = new PeerStatus[servers];
    }

    @Override
    public void accept(final long nowNs) {
        final ClusterNode node = agent.node();
        for (int s = 0; s < previous.length; s++) {
            final PeerStatus st = node.status(s);
            final PeerStatus before = previous[s];
            previous[s] = st;
            if (st == PeerStatus.DOWN && before != null && before != PeerStatus.DOWN && before != PeerStatus.UNKNOWN) {
                final long silentMs = silenceMs(s, nowNs);
                if (silentMs >= 0) {
                    record(new ClusterStatus.Detection(node.serverName(s), System.currentTimeMillis(), silentMs));
                }
            }
        }
    }

    /** Since the last heartbeat of {@code peer} on any path, in ms; -1 when it was never heard. */
    private long silenceMs(final int peer, final long nowNs) {
        long min = -1;
        for (int p = 0; p < paths.paths(); p++) {
            final long ago = paths.lastHeardMsAgo(peer, p, nowNs);
            if (ago >= 0 && (min < 0 || ago < min)) {
                min = ago;
            }
        }
        return min;
    }

    private synchronized void record(final ClusterStatus.Detection d) {
        last.addLast(d);
        while (last.size() > KEPT) {
            last.removeFirst();
        }
    }

    /** The kept detections, oldest first. */
    public synchronized List<ClusterStatus.Detection> detections() {
        return new ArrayList<>(last);
    }
}
