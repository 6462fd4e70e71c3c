package armd.agent;

/**
 * Heartbeats received per peer and heartbeat path, for the status: accepted, lost (gaps in the sender's frame
 * sequence, which is one per frame on every path), late (more than twice the interval after the one before on
 * that path) and when last heard. Written and read on the agent thread only; updating allocates nothing.
 */
public final class PathStats {
    private final int paths;
    private final long lateNs;
    private final long[] received;
    private final long[] lost;
    private final long[] late;
    private final long[] lastRxNs;
    private final long[] lastSeq;
    private final long[] lastIncarnation;

    /** Counters for {@code servers} servers on {@code paths} paths; late means a gap over 2 x {@code intervalMs}. */
    public PathStats(final int servers, final int paths, final long intervalMs) {
        this.paths = paths;
        this.lateNs = 2 * intervalMs * 1_000_000L;
        final int n = servers * paths;
        received = new long[n];
        lost = new long[n];
        late = new long[n];
        lastRxNs = new long[n];
        lastSeq = new long[n];
        lastIncarnation = new long[n];
    }

    /** A heartbeat of {@code peer} (boot {@code incarnation}, frame {@code seq}) on {@code path} at {@code rxNs}. */
    void record(final int peer, final int path, final long incarnation, final long seq, final long rxNs) {
        if (path >= paths) {
            return;
        }
        final int i = peer * paths + path;
        if (received[i] > 0 && incarnation == lastIncarnation[i]) {
            if (seq <= lastSeq[i]) {
                return; // a duplicate or reordered copy: the replay window dropped worse already
            }
            lost[i] += seq - lastSeq[i] - 1;
            if (rxNs - lastRxNs[i] > lateNs) {
                late[i]++;
            }
        }
        received[i]++;
        lastIncarnation[i] = incarnation;
        lastSeq[i] = seq;
        lastRxNs[i] = rxNs;
    }

    /** Heartbeat paths. */
    public int paths() {
        return paths;
    }

    /** Heartbeats accepted from {@code peer} on {@code path}. */
    public long received(final int peer, final int path) {
        return received[peer * paths + path];
    }

    /** Heartbeats of {@code peer} missing on {@code path}. */
    public long lost(final int peer, final int path) {
        return lost[peer * paths + path];
    }

    /** Late heartbeats of {@code peer} on {@code path}. */
    public long late(final int peer, final int path) {
        return late[peer * paths + path];
    }

    /** Time since {@code peer} was last heard on {@code path} at {@code nowNs}, in ms; -1 when never. */
    public long lastHeardMsAgo(final int peer, final int path, final long nowNs) {
        final int i = peer * paths + path;
        return received[i] == 0 ? -1 : Math.max(0, (nowNs - lastRxNs[i]) / 1_000_000L);
    }
}
