package armd.supercluster;

import armd.wire.SuperFrame;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Who may accept changes to the clusters' configurations: the management role among the master servers
 * (docs/behaviour.md#super-cluster), as a pure state machine. The runtime calls {@link #tick} often (every
 * 50-100 ms), hands every authentic frame from a master server to {@link #received}, sends what they return, and
 * asks {@link #accepting}, {@link #holder} and {@link #syncTargets}. Times are the runtime's monotonic clock in
 * nanoseconds; nothing here reads a clock, sleeps or sends.
 *
 * <p>The rules:
 * <ul>
 *   <li>Vote: a master server votes for the first master server, in order, among itself and the servers it heard
 *       within the role timeout, counting only established ones (a starting server's HELLO says it is not yet;
 *       decided here so that a restarting first server does not pull the votes away from the holder before it
 *       can take the role).</li>
 *   <li>Grant (a promise): it grants its vote to a HELLO's sender only if that sender is whom it votes for and it
 *       has not granted to another server within the lease time L; its vote for itself follows the same rule.
 *       A server that (re)starts grants nothing during its first L: it may have promised another server just
 *       before it stopped, and its memory of that is gone.</li>
 *   <li>Lease: a grant answering a HELLO sent at t gives its sender a lease until t + L - margin (t is before the
 *       grant, so the lease ends before the voter's promise does).</li>
 *   <li>Hearing: a master server counts as heard (alive: voted for, counted as answering, ending forced return)
 *       only through a VOTE answering one of our outstanding HELLOs (the nonce is fresh and random). Frames are
 *       authentic but a HELLO is not fresh: one captured and sent again must not keep a dead server alive.</li>
 *   <li>Accepting: it votes for itself, is established, holds unexpired leases from a strict majority of the
 *       master servers (its own counted), and stores every cluster's version at least as high as what its
 *       current voters stored when they granted (their VOTE lists it): the voters are a majority, so they include
 *       a server that stored every committed version. Or forced return: it counts as a majority alone until it
 *       hears another master server; refused while its vote is promised to another server or another one
 *       answers, and in effect no earlier than L after its start (it may have promised its vote before).</li>
 *   <li>Replicas: a master server stores a REPLICATE only from the server it has promised its vote to (within
 *       L): the old holder's late copies cannot land after the voter moved on to a new holder that did not see
 *       them ({@link #mayStoreReplicaFrom}).</li>
 * </ul>
 *
 * <p>Not thread-safe: one owner (the super service thread).
 */
public final class ManagementElection {
    /** The default HELLO interval: 500 ms. */
    public static final long HELLO_INTERVAL_NS = 500_000_000L;
    /** The default role timeout (a master server not heard for this long does not count): 3 s. */
    public static final long ROLE_TIMEOUT_NS = 3_000_000_000L;
    /** The default lease time L: 3 s. */
    public static final long LEASE_NS = 3_000_000_000L;
    /** The default margin a candidate's lease ends before its voter's promise: 200 ms. */
    public static final long MARGIN_NS = 200_000_000L;

    /**
     * The election's durations (nanoseconds).
     *
     * @param helloInterval how often a master server sends HELLO to every other one
     * @param roleTimeout   a master server not heard for this long is not voted for and does not count as answering
     * @param lease         L: a grant promises the vote to one server for this long
     * @param margin        a lease ends this much before the voter's promise (clock rate differences, delays)
     * @param startupWait   a starting master server claims the role after hearing every other one, or after this
     */
    public record Timing(long helloInterval, long roleTimeout, long lease, long margin, long startupWait) {
        /** The design's timing: 500 ms, 3 s, 3 s, 200 ms, 6 s. */
        public static Timing standard() {
            return new Timing(HELLO_INTERVAL_NS, ROLE_TIMEOUT_NS, LEASE_NS, MARGIN_NS, 2 * ROLE_TIMEOUT_NS);
        }

        /** Checks the durations against each other. */
        public Timing {
            if (helloInterval <= 0 || roleTimeout <= 0 || margin < 0 || lease <= margin || startupWait < 0) {
                throw new IllegalArgumentException("election timing " + helloInterval + " " + roleTimeout + " "
                    + lease + " " + margin + " " + startupWait);
            }
        }
    }

    /** A version of a cluster this server lacks and the master server to fetch it from. */
    public record SyncTarget(String cluster, long version, String peer) {
    }

    /** What is known of another master server. */
    private static final class Peer {
        final String name;
        /**
         * When it was last known alive: the send time of our HELLO its latest VOTE answered (it was alive after
         * that); Long.MIN_VALUE: never since this server started.
         */
        long heardAt = Long.MIN_VALUE;
        boolean established;
        String votesFor = "";
        List<SuperFrame.Committed> committed = List.of();
        /** The lease it granted us: valid while now is before this; Long.MIN_VALUE: none. */
        long leaseUntil = Long.MIN_VALUE;
        /** What it stored when it last granted us its vote. */
        List<SuperFrame.Committed> committedAtGrant = List.of();
        /** Nonce -> send time of our HELLOs not yet answered (pruned after L). */
        final Map<Long, Long> outstanding = new LinkedHashMap<>();

        Peer(final String name) {
            this.name = name;
        }
    }

    private final String self;
    private final List<String> masters;
    private final Timing timing;
    private final LongSupplier nonces;
    private final long startedAt;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final Map<String, SuperFrame.Committed> committed = new TreeMap<>();

    private long lastHelloAt = Long.MIN_VALUE;
    private boolean established;
    private boolean forced;
    /** When forced return takes effect (no earlier than L after the start). */
    private long forcedFrom;
    /** Whom the vote was last granted to ("" never) and when. */
    private String grantedTo = "";
    private long grantedAt;
    /** Our lease from our own vote. */
    private long selfLeaseUntil = Long.MIN_VALUE;

    /**
     * The election of {@code self}, one of {@code masters} (the master cluster's servers in the super file's
     * order), starting at {@code now}; {@code nonces} gives the HELLOs' nonces (unpredictable in the runtime,
     * seeded in a simulation).
     */
    public ManagementElection(final String self, final List<String> masters, final Timing timing,
                              final LongSupplier nonces, final long now) {
        if (!masters.contains(self)) {
            throw new IllegalArgumentException(self + " is not one of the master servers " + masters);
        }
        this.self = self;
        this.masters = List.copyOf(masters);
        this.timing = timing;
        this.nonces = nonces;
        this.startedAt = now;
        for (final String m : masters) {
            if (!m.equals(self)) {
                peers.put(m, new Peer(m));
            }
        }
        established = peers.isEmpty();
    }

    /** This server's name. */
    public String self() {
        return self;
    }

    /** The master servers, in order. */
    public List<String> masters() {
        return masters;
    }

    /** How many master servers make a strict majority. */
    public int majority() {
        return masters.size() / 2 + 1;
    }

    /** Tells the election what this server's store holds now (at start, and after every store). */
    public void committed(final List<SuperFrame.Committed> held) {
        committed.clear();
        for (final SuperFrame.Committed c : held) {
            committed.put(c.cluster(), c);
        }
    }

    /**
     * Tells the election that this server's store now holds {@code c}: a higher version of its cluster, or the same
     * version with other bytes (a copy replaced by the holder's, {@link ConfigStore.Outcome#REPLACED}).
     */
    public void committed(final SuperFrame.Committed c) {
        final SuperFrame.Committed old = committed.get(c.cluster());
        if (old == null || old.version() <= c.version()) {
            committed.put(c.cluster(), c);
        }
    }

    /** The version of {@code cluster} this server stores (0: none). */
    public long version(final String cluster) {
        final SuperFrame.Committed c = committed.get(cluster);
        return c == null ? 0 : c.version();
    }

    /**
     * Time passes: at every HELLO interval, this server votes for itself if the rules allow and returns a HELLO
     * for every other master server (each with a fresh nonce).
     */
    public List<Outgoing> tick(final long now) {
        updateEstablished(now);
        if (lastHelloAt != Long.MIN_VALUE && now - lastHelloAt < timing.helloInterval()) {
            return List.of();
        }
        lastHelloAt = now;
        final String vote = votesFor(now);
        if (vote.equals(self) && mayGrant(self, now)) {
            grant(self, now);
            selfLeaseUntil = now + timing.lease() - timing.margin();
        }
        final SuperFrame.Hello hello = new SuperFrame.Hello(List.copyOf(committed.values()), established, vote);
        final List<Outgoing> out = new ArrayList<>(peers.size());
        for (final Peer p : peers.values()) {
            prune(p, now);
            final long nonce = nonces.getAsLong();
            p.outstanding.put(nonce, now);
            out.add(new Outgoing(p.name, nonce, hello));
        }
        return out;
    }

    /**
     * An authentic frame from {@code from}. A HELLO is answered with a VOTE (returned) and tells what the sender
     * stores, whether it is established and whom it votes for, but does not count as hearing it (it may be a
     * replay); a VOTE answering one of our outstanding HELLOs (same nonce) counts as hearing its sender and may give
     * a lease; a VOTE with another nonce is dropped (late or replayed). Frames from servers that are not master
     * servers, or from this server, are ignored.
     */
    public List<Outgoing> received(final String from, final long nonce, final SuperFrame.Body body,
                                   final long now) {
        final Peer p = peers.get(from);
        if (p == null) {
            return List.of();
        }
        switch (body) {
            case SuperFrame.Hello h -> {
                p.established = h.established();
                p.votesFor = h.votesFor();
                p.committed = h.committed();
                updateEstablished(now);
                final String vote = votesFor(now);
                final boolean granted = vote.equals(from) && mayGrant(from, now);
                if (granted) {
                    grant(from, now);
                }
                return List.of(new Outgoing(from, nonce,
                    new SuperFrame.Vote(granted, vote, List.copyOf(committed.values()))));
            }
            case SuperFrame.Vote v -> {
                final Long sentAt = p.outstanding.remove(nonce);
                if (sentAt == null) {
                    return List.of();
                }
                // a fresh nonce answered: alive after sentAt (a replay cannot answer it)
                p.heardAt = Math.max(p.heardAt, sentAt);
                forced = false;
                updateEstablished(now);
                p.votesFor = v.votesFor();
                if (v.granted()) {
                    final long until = sentAt + timing.lease() - timing.margin();
                    if (until > p.leaseUntil) {
                        p.leaseUntil = until;
                        p.committedAtGrant = v.committed();
                    }
                }
                return List.of();
            }
            default -> {
                updateEstablished(now);
                return List.of();
            }
        }
    }

    /**
     * Forced return: the operator asserts that the other master servers are down. Taken (null) or refused (the
     * reason in one line). Refused while this server's vote is promised to another server (that one may hold a
     * lease from it and accept changes) or another master server answers. Taken, this server counts as
     * established and as a majority alone until it hears another master server; within L after its start it takes
     * effect only when L has passed (it may have promised its vote just before it stopped).
     */
    public String tryForceReturn(final long now) {
        final String promised = promisedTo(now);
        if (!promised.isEmpty() && !promised.equals(self)) {
            return "forced return refused: this server promised its vote to " + promised + " "
                + millis(now - grantedAt) + " ms ago (a promise lasts " + millis(timing.lease()) + " ms; "
                + promised + " may be accepting changes): try again when it is down for longer";
        }
        final int answering = answering(now);
        if (answering > 1) {
            final List<String> heard = new ArrayList<>();
            for (final Peer p : peers.values()) {
                if (heard(p, now)) {
                    heard.add(p.name);
                }
            }
            return "forced return refused: " + answering + " of " + masters.size() + " master servers answer ("
                + String.join(", ", heard) + " heard within " + millis(timing.roleTimeout())
                + " ms); it is for when the others are down";
        }
        forced = true;
        forcedFrom = Math.max(now, startedAt + timing.lease());
        established = true;
        return null;
    }

    /** {@link #tryForceReturn}: null when taken, else why it was refused. */
    public String forceReturn(final long now) {
        return tryForceReturn(now);
    }

    /** Whether forced return was taken and has not ended (ends when another master server is heard). */
    public boolean forced() {
        return forced;
    }

    /** Whether this server may claim the role: it heard every other master server once, or waited long enough. */
    public boolean established(final long now) {
        updateEstablished(now);
        return established;
    }

    /** Whom this server votes for now: the first established master server in order it hears ("" none). */
    public String votesFor(final long now) {
        for (final String m : masters) {
            if (m.equals(self)) {
                if (established) {
                    return self;
                }
            } else {
                final Peer p = peers.get(m);
                if (heard(p, now) && p.established) {
                    return m;
                }
            }
        }
        return "";
    }

    /** How many master servers answer: this one and the others heard within the role timeout. */
    public int answering(final long now) {
        int n = 1;
        for (final Peer p : peers.values()) {
            if (heard(p, now)) {
                n++;
            }
        }
        return n;
    }

    /** Whether this server may accept a change now. */
    public boolean accepting(final long now) {
        return notAcceptingReason(now) == null;
    }

    /**
     * Why this server may not accept a change now, in one line (null: it may). The forms: not established yet,
     * votes for another server, no majority ("changes need a majority of the master cluster (1 of 2 master
     * servers answer)"), or syncing a version from a peer.
     */
    public String notAcceptingReason(final long now) {
        if (forced) {
            return now - forcedFrom >= 0 ? null : "forced return takes effect in " + millis(forcedFrom - now)
                + " ms (the lease time after this server's start: it may have promised its vote before)";
        }
        updateEstablished(now);
        if (!established) {
            return "starting: waiting to hear every master server (at most "
                + timing.startupWait() / 1_000_000_000L + " s)";
        }
        final String vote = votesFor(now);
        if (!vote.equals(self)) {
            return vote.isEmpty() ? "votes for no master server yet" : "not the management server: " + vote
                + " comes first";
        }
        if (leases(now) < majority()) {
            return "changes need a majority of the master cluster (" + answering(now) + " of " + masters.size()
                + " master servers answer)";
        }
        final SyncTarget lag = firstLag(now);
        if (lag != null) {
            return "syncing: fetching cluster " + lag.cluster() + " version " + lag.version() + " from "
                + lag.peer();
        }
        return null;
    }

    /** Whether the reason this server may not accept a change now is the missing majority of leases. */
    boolean lacksMajority(final long now) {
        updateEstablished(now);
        return !forced && established && votesFor(now).equals(self) && leases(now) < majority();
    }

    /** How many unexpired leases this server holds (its own included). */
    public int leases(final long now) {
        int n = selfLeaseUntil > now && grantedTo.equals(self) ? 1 : 0;
        for (final Peer p : peers.values()) {
            if (p.leaseUntil > now) {
                n++;
            }
        }
        return n;
    }

    /**
     * The management server as this server knows it ("" none): itself when accepting; else the server it promised
     * its vote to within L; else the first master server in order it hears (itself included), which serves copies
     * but cannot accept changes.
     */
    public String holder(final long now) {
        if (accepting(now)) {
            return self;
        }
        if (!grantedTo.isEmpty() && !grantedTo.equals(self) && now - grantedAt < timing.lease()) {
            return grantedTo;
        }
        for (final String m : masters) {
            if (m.equals(self) || heard(peers.get(m), now)) {
                return m;
            }
        }
        return self;
    }

    /**
     * The versions this server lacks and whom to fetch them from: for each cluster, the highest version a master
     * server announced (in a HELLO heard within the role timeout, or in the VOTE of a current lease) above the
     * one stored here. The runtime FETCHes each, stores it and reports it through {@link #committed}.
     */
    public List<SyncTarget> syncTargets(final long now) {
        final Map<String, SyncTarget> best = new TreeMap<>();
        for (final Peer p : peers.values()) {
            if (heard(p, now)) {
                lags(p.name, p.committed, best);
            }
            if (p.leaseUntil > now) {
                lags(p.name, p.committedAtGrant, best);
            }
        }
        return List.copyOf(best.values());
    }

    /** Whether a REPLICATE from {@code from} may be stored: this server's vote is promised to it now. */
    public boolean mayStoreReplicaFrom(final String from, final long now) {
        return !from.equals(self) && from.equals(grantedTo) && now - grantedAt < timing.lease();
    }

    private void lags(final String peer, final List<SuperFrame.Committed> theirs,
                      final Map<String, SyncTarget> best) {
        for (final SuperFrame.Committed c : theirs) {
            final SyncTarget known = best.get(c.cluster());
            if (c.version() > version(c.cluster()) && (known == null || known.version() < c.version())) {
                best.put(c.cluster(), new SyncTarget(c.cluster(), c.version(), peer));
            }
        }
    }

    /** The first version a current voter stored at its grant that this server lacks, or null. */
    private SyncTarget firstLag(final long now) {
        final Map<String, SyncTarget> best = new TreeMap<>();
        for (final Peer p : peers.values()) {
            if (p.leaseUntil > now) {
                lags(p.name, p.committedAtGrant, best);
            }
        }
        return best.isEmpty() ? null : best.values().iterator().next();
    }

    private boolean mayGrant(final String to, final long now) {
        if (now - startedAt < timing.lease()) {
            return false;
        }
        return grantedTo.isEmpty() || grantedTo.equals(to) || now - grantedAt >= timing.lease();
    }

    private void grant(final String to, final long now) {
        if (!grantedTo.equals(to) && grantedTo.equals(self)) {
            selfLeaseUntil = Long.MIN_VALUE;
        }
        grantedTo = to;
        grantedAt = now;
    }

    private boolean heard(final Peer p, final long now) {
        return p.heardAt != Long.MIN_VALUE && now - p.heardAt < timing.roleTimeout();
    }

    private void updateEstablished(final long now) {
        if (established) {
            return;
        }
        if (now - startedAt >= timing.startupWait()) {
            established = true;
            return;
        }
        for (final Peer p : peers.values()) {
            if (p.heardAt == Long.MIN_VALUE) {
                return;
            }
        }
        established = true;
    }

    private static long millis(final long ns) {
        return ns / 1_000_000L;
    }

    private void prune(final Peer p, final long now) {
        final Iterator<Map.Entry<Long, Long>> it = p.outstanding.entrySet().iterator();
        while (it.hasNext()) {
            if (now - it.next().getValue() >= timing.lease()) {
                it.remove();
            }
        }
    }

    /** A snapshot for status and tests: whom the vote is promised to ("" none) while the promise lasts. */
    public String promisedTo(final long now) {
        return !grantedTo.isEmpty() && now - grantedAt < timing.lease() ? grantedTo : "";
    }

    /** For tests and status: the peers' last known vote, by name. */
    Map<String, String> peerVotes() {
        final Map<String, String> out = new HashMap<>();
        peers.values().forEach(p -> out.put(p.name, p.votesFor));
        return out;
    }
}
