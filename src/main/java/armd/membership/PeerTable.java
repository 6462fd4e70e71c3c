package armd.membership;

/**
 * Who is alive: per peer and per heartbeat path, the kernel receive time of the last authenticated
 * heartbeat. A peer is down only when every path has been silent past the timeout (the judgement uses the
 * frames' receive timestamps, taken after the socket was drained, so a late agent thread does not turn
 * its own lateness into a peer's silence).
 *
 * <p>Pure: no clock reads, times are arguments. Allocation-free after construction. Called only on the
 * agent thread.
 */
public final class PeerTable {
    /** The most heartbeat paths (networks) a cluster can have. */
    public static final int MAX_PATHS = 4;

    private final int self;
    private final long timeoutNs;
    private final long[][] lastHeardNs;
    private final boolean[] heard;
    private final boolean[] alive;
    private final long[] incarnation;
    private final long refusedTimeoutNs;
    private final long[] refusedAtNs;
    private long suspectNs;
    /** The disk heartbeat path (0: none): a peer whose disk beats advanced this recently is alive on it. */
    private long diskTimeoutNs;
    private final long[] diskSeenNs;
    private final boolean[] diskAlive;
    private final long[] diskIncarnation;
    private final long[] diskHeld;
    private final int[] diskState;
    /** Said "gone" (its guardian released what it held) for its current incarnation: alive nowhere. */
    private final boolean[] gone;

    /** A table for {@code servers} servers, this one being {@code self}; refusals do not shorten the timeout. */
    public PeerTable(final int servers, final int self, final long timeoutNs) {
        this(servers, self, timeoutNs, timeoutNs);
    }

    /**
     * A table for {@code servers} servers, this one being {@code self}. A peer whose heartbeat port was
     * refused (ICMP port unreachable: its agent is gone) is down after only {@code refusedTimeoutNs} of
     * silence; the silence is still required, so a forged ICMP alone cannot take a live peer down.
     */
    public PeerTable(final int servers, final int self, final long timeoutNs, final long refusedTimeoutNs) {
        this.self = self;
        this.timeoutNs = timeoutNs;
        this.refusedTimeoutNs = Math.min(refusedTimeoutNs, timeoutNs);
        this.refusedAtNs = new long[servers];
        this.lastHeardNs = new long[servers][MAX_PATHS];
        this.heard = new boolean[servers];
        this.alive = new boolean[servers];
        this.incarnation = new long[servers];
        this.suspectNs = timeoutNs;
        this.diskSeenNs = new long[servers];
        this.diskAlive = new boolean[servers];
        this.diskIncarnation = new long[servers];
        this.diskHeld = new long[servers];
        this.diskState = new int[servers];
        this.gone = new boolean[servers];
    }

    /** Peers are watched on a disk heartbeat path too; one silent on it for {@code timeoutNs} is not alive there. */
    public void diskPath(final long timeoutNs) {
        this.diskTimeoutNs = timeoutNs;
    }

    /**
     * A newer beat of {@code peer} (boot {@code peerIncarnation}) on the disk path, read at {@code nowNs}: it
     * runs in server state {@code state} and holds the groups whose bits are set in {@code held}.
     */
    public void onDiskBeat(final int peer, final long peerIncarnation, final int state, final long held,
                           final long nowNs) {
        if (peer == self || peer < 0 || peer >= alive.length || diskTimeoutNs == 0) {
            return;
        }
        if (gone[peer] && peerIncarnation == incarnation[peer]) {
            // a beat the dead agent wrote before its guardian said gone
            return;
        }
        diskSeenNs[peer] = nowNs == 0 ? 1 : nowNs;
        diskAlive[peer] = true;
        diskIncarnation[peer] = peerIncarnation;
        diskHeld[peer] = held;
        diskState[peer] = state;
    }

    /** Whether {@code peer}'s disk beats advanced within the disk timeout (false without a disk path). */
    public boolean diskAlive(final int peer) {
        return peer != self && diskAlive[peer];
    }

    /** Whether {@code peer} is alive on the disk path and its last beat there says it holds group {@code g}. */
    public boolean diskHolds(final int peer, final int g) {
        return diskAlive(peer) && (diskHeld[peer] & (1L << g)) != 0;
    }

    /** The server state of {@code peer}'s last disk beat (its ServerState ordinal). */
    public int diskState(final int peer) {
        return diskState[peer];
    }

    /** Forgets every disk beat: this server's own disk path stopped working, so silence there proves nothing. */
    public void diskBlind() {
        java.util.Arrays.fill(diskAlive, false);
    }

    /**
     * After how much silence an alive peer is suspect (see {@link #suspect}); at most the timeout. Suspicion
     * declares nothing: it lets the caller look for evidence (the peer's addresses still answering) early.
     */
    public void suspectAfter(final long silenceNs) {
        this.suspectNs = Math.min(silenceNs, timeoutNs);
    }

    /** What {@link #onHeartbeat} found. */
    public enum Arrival {
        /** The peer was alive with this incarnation already. */
        SAME,
        /** First heartbeat from this peer, or first after it was declared down, same incarnation. */
        BACK,
        /** A new incarnation: the peer's agent restarted. */
        RESTARTED,
        /** An older incarnation than the one known: a stale or replayed frame, ignore it. */
        STALE
    }

    /** Records an authenticated heartbeat from {@code peer} on {@code path}, received at {@code rxNs}. */
    public Arrival onHeartbeat(final int peer, final int path, final long peerIncarnation, final long rxNs) {
        if (peer == self) {
            return Arrival.STALE;
        }
        final Arrival a;
        if (heard[peer] && peerIncarnation < incarnation[peer]) {
            return Arrival.STALE;
        } else if (heard[peer] && peerIncarnation > incarnation[peer]) {
            a = Arrival.RESTARTED;
        } else if (!alive[peer]) {
            a = Arrival.BACK;
        } else {
            a = Arrival.SAME;
        }
        if (peerIncarnation != incarnation[peer]) {
            gone[peer] = false;
        }
        incarnation[peer] = peerIncarnation;
        heard[peer] = true;
        refusedAtNs[peer] = 0;
        alive[peer] = true;
        final int p = Math.min(Math.max(path, 0), MAX_PATHS - 1);
        if (rxNs - lastHeardNs[peer][p] > 0 || lastHeardNs[peer][p] == 0) {
            lastHeardNs[peer][p] = rxNs;
        }
        return a;
    }

    /** {@code peer}'s heartbeat port was refused at {@code nowNs} (its agent is not listening). */
    public void onRefused(final int peer, final long nowNs) {
        if (peer != self && peer >= 0 && peer < alive.length && alive[peer]) {
            refusedAtNs[peer] = nowNs == 0 ? 1 : nowNs;
        }
    }

    /**
     * {@code peer}'s agent said, in an authenticated frame of incarnation {@code peerIncarnation}, that it is gone
     * (its guardian sends that when the agent process dies, after releasing what it held): down now, without
     * waiting for silence. Returns whether it was alive with that incarnation (a stale "gone" changes nothing).
     */
    public boolean onGone(final int peer, final long peerIncarnation) {
        if (peer == self || peer < 0 || peer >= alive.length || !alive[peer] || incarnation[peer] != peerIncarnation) {
            return false;
        }
        alive[peer] = false;
        refusedAtNs[peer] = 0;
        gone[peer] = true;
        diskAlive[peer] = false;
        return true;
    }

    /** Whether {@code peer} is alive but silent on every path for longer than the suspicion threshold. */
    public boolean suspect(final int peer, final long nowNs) {
        return peer != self && alive[peer] && nowNs - newest(peer) > suspectNs;
    }

    /** Whether {@code peer}'s port was refused since its last heartbeat. */
    public boolean refused(final int peer) {
        return refusedAtNs[peer] != 0;
    }

    /**
     * Declares down every alive peer silent on every path for longer than the timeout at {@code nowNs};
     * returns the first peer found down, or -1 (call again until -1 to collect all).
     */
    public int expire(final long nowNs) {
        for (int peer = 0; peer < alive.length; peer++) {
            if (diskAlive[peer] && nowNs - diskSeenNs[peer] > diskTimeoutNs) {
                diskAlive[peer] = false;
            }
        }
        for (int peer = 0; peer < alive.length; peer++) {
            if (peer == self || !alive[peer]) {
                continue;
            }
            final long silentNs = nowNs - newest(peer);
            if (silentNs > timeoutNs || refusedAtNs[peer] != 0 && silentNs > refusedTimeoutNs) {
                alive[peer] = false;
                refusedAtNs[peer] = 0;
                return peer;
            }
        }
        return -1;
    }

    /** The newest receive time of {@code peer} over all paths. */
    public long newest(final int peer) {
        long best = lastHeardNs[peer][0];
        for (int p = 1; p < MAX_PATHS; p++) {
            if (lastHeardNs[peer][p] != 0 && (best == 0 || lastHeardNs[peer][p] - best > 0)) {
                best = lastHeardNs[peer][p];
            }
        }
        return best;
    }

    /**
     * The earliest instant at which some alive peer would become suspect or expire (at most a timeout from
     * {@code nowNs}).
     */
    public long nextExpiryNs(final long nowNs) {
        long next = nowNs + timeoutNs;
        for (int peer = 0; peer < alive.length; peer++) {
            if (peer != self && alive[peer]) {
                final long last = newest(peer);
                long at = last + (refusedAtNs[peer] != 0 ? refusedTimeoutNs : timeoutNs) + 1;
                if (diskAlive[peer] && diskSeenNs[peer] + diskTimeoutNs + 1 - at < 0) {
                    at = diskSeenNs[peer] + diskTimeoutNs + 1;
                }
                final long suspectAt = last + suspectNs + 1;
                if (nowNs - suspectAt < 0 && suspectAt - at < 0) {
                    at = suspectAt;
                }
                if (at - next < 0) {
                    next = at;
                }
            }
        }
        return next;
    }

    /** Whether {@code peer} was ever heard since this agent started. */
    public boolean heard(final int peer) {
        return heard[peer];
    }

    /** Whether {@code peer} is alive (heard, not silent past the timeout). */
    public boolean alive(final int peer) {
        return peer == self || alive[peer];
    }

    /** The incarnation last heard from {@code peer}. */
    public long incarnation(final int peer) {
        return incarnation[peer];
    }

    /** The number of servers. */
    public int size() {
        return alive.length;
    }
}
