package armd.cluster;

import armd.membership.PeerTable;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The decision core of one server: membership, the replicated group records, the failover groups' script
 * sequences and the operations (docs/behaviour.md). Pure: no I/O and no clock reads (every input carries
 * {@code nowNs}); effects go out through {@link NodeEffects}. The same class runs in the agent and, many at
 * once, in the deterministic simulation.
 *
 * <p>How a group moves: its {@link GroupRecord} names an owner. The owner starts it; when the owner stops it
 * (group stop, move, failover, shutdown, leave) it writes the next record only after the last script of the
 * {@link Sequence} ended, so the next owner never starts a group that is still stopping. When an owner dies, the
 * first member in the group's policy takes the group over (FAILOVER), but a group with floating addresses only
 * once the data plane agrees: its addresses no longer answer from anywhere (FENCING). Every record write bumps
 * its version; heartbeats carry all records and the newest wins. When two servers that hear each other both
 * hold a group (after a partition healed), the one with the higher priority in its policy keeps it and the
 * other stops it (YIELD).
 *
 * <p>Each group's state here is a {@link GroupRun}: the sequence being run and its step, or online, or fencing,
 * or offline. Every input is dispatched on that state with an exhaustive switch (the transitions in
 * docs/behaviour.md#group-transitions). Called only on the agent thread (or the simulation's single thread).
 */
public final class ClusterNode {
    /** Most groups a cluster can have (heartbeat payload size). */
    public static final int MAX_GROUPS = 48;
    /** Most operations one server has in flight. */
    public static final int MAX_OUTSTANDING = 8;
    /** Default limit of failovers caused by monitors (docs/behaviour.md#failover-counter). */
    public static final int DEFAULT_MAX_MONITOR_FAILOVERS = 8;

    /** A report made while a group's start script ran, acted on once the group is online (deferred). */
    private record Deferred(boolean application, boolean failover, String name, FailureAction action,
                            Destination destination, String reason) {
        static Deferred applicationDied(final boolean failover) {
            return new Deferred(true, failover, null, null, null, null);
        }

        static Deferred resourceFailed(final String name, final FailureAction action, final Destination destination,
                                       final String reason) {
            return new Deferred(false, false, name, action, destination, reason);
        }
    }

    /** One group on this server. */
    private static final class GroupRun {
        /** The sequence being run, or null. */
        Sequence sequence;
        int step;
        /** The target server of a MOVE or FAILOVER sequence, or -1. */
        int target = -1;
        /** The ARMS_EVENT of the start script running (or last run) here. */
        ArmsEvent startEvent = ArmsEvent.START;
        /** Online here (no sequence running). */
        boolean online;
        /** Taking the group over from {@link #fencedOwner}, once its addresses stop answering. */
        boolean fencing;
        int fencedOwner = -1;
        /** A holder probe is in flight. */
        boolean probing;
        /** No new holder probe before this instant. */
        long fenceNextNs;
        /** What the last holder probe found ("192.0.2.100 answered by 02:..."), or null. */
        String fenceDetail;
        /** Another server held the group too: announce the addresses again once it let go. */
        boolean reassert;
        Deferred deferred;
        /** Why the last start here failed (status), or null. */
        String failure;
        /** After a conflict: no new start of the group here before this instant. */
        long retryNs;
        /** The next start follows a holder probe that found the addresses free (its activation need not probe). */
        boolean checked;

        GroupExec exec() {
            if (sequence != null) {
                return sequence.step(step).exec();
            }
            return online ? GroupExec.ONLINE : fencing ? GroupExec.FENCING : GroupExec.OFFLINE;
        }
    }

    /** An operation in flight: issued here, or received from a peer. */
    private record Cmd(int seq, Op op, int group, int server, int executor, long issuedNs) {
    }

    private final int self;
    private final int servers;
    private final int groups;
    private final int[][] policy;
    private final boolean[] fenced;
    private final String[] serverNames;
    private final String[] groupNames;
    private final long startupWaitNs;
    private final long fenceRetryNs;
    private int maxMonitorFailovers;
    private final long operationTimeoutNs;
    private final boolean autoReturn;
    private final NodeEffects fx;
    private final PeerTable peers;
    private final NodeMemory mem;
    private final GroupRecord[] records;
    private final GroupRun[] runs;

    private final boolean diskPath;
    private final boolean tiebreak;
    private final long tiebreakRetryNs;
    /** This server's own disk heartbeat path works (writes and reads succeed); false: peers' silence there is moot. */
    private boolean diskWorking;
    private boolean tiebreakAsked;
    private long tiebreakNextNs;
    /** This server released its groups because it was cut off (no peer, no tiebreak target). */
    private boolean cutOff;

    private ServerState state = ServerState.STARTING;
    private ServerState leavingTo;
    private Sequence leaving;
    private boolean crashed;
    private long syncDeadlineNs;
    private long pickupUntilNs;

    private final ServerState[] peerState;
    private final GroupExec[][] peerExec;

    private int nextSeq = 1;
    private final ArrayDeque<Cmd> outgoing = new ArrayDeque<>();
    private final int[] processedSeq;
    private final int[] ackSeq;
    private final OpResult[] ackResult;
    private final int[][] peerAckSeq;
    /** Per peer: its last heartbeat named servers or groups this configuration lacks (logged once). */
    private final boolean[] foreignLogged;
    private final OpResult[][] peerAckResult;
    /** Per peer: the incarnation it last heard from each server (its acks are about that incarnation's ops). */
    private final long[][] peerKnown;

    /**
     * A node for server {@code self} of {@code topology}, starting from {@code memory} (empty on a first start;
     * its incarnation already advanced for this start) at {@code nowNs}.
     */
    public ClusterNode(final Topology topology, final int self, final NodeMemory memory, final NodeEffects fx,
                       final long nowNs) {
        this.self = self;
        this.servers = topology.servers().size();
        this.groups = topology.groups().size();
        this.policy = new int[groups][];
        this.fenced = new boolean[groups];
        this.groupNames = new String[groups];
        for (int g = 0; g < groups; g++) {
            final Topology.Group grp = topology.groups().get(g);
            policy[g] = grp.policy().stream().mapToInt(Integer::intValue).toArray();
            fenced[g] = grp.fenced();
            groupNames[g] = grp.name();
        }
        this.serverNames = topology.servers().toArray(String[]::new);
        this.startupWaitNs = topology.startupWaitMs() * 1_000_000L;
        this.operationTimeoutNs = Math.max(10_000_000_000L, startupWaitNs);
        this.fenceRetryNs = topology.timeoutMs() * 1_000_000L;
        this.autoReturn = topology.autoReturn();
        this.maxMonitorFailovers = topology.maxMonitorFailovers();
        this.fx = fx;
        // a refused heartbeat port (the peer's agent is gone) plus three intervals of silence is enough
        this.peers = new PeerTable(servers, self, topology.timeoutMs() * 1_000_000L,
            3L * topology.intervalMs() * 1_000_000L);
        peers.suspectAfter(topology.suspectMs() * 1_000_000L);
        this.diskPath = topology.diskTimeoutMs() > 0;
        this.diskWorking = diskPath;
        peers.diskPath(topology.diskTimeoutMs() * 1_000_000L);
        this.tiebreak = topology.tiebreak();
        this.tiebreakRetryNs = topology.timeoutMs() * 1_000_000L;
        this.mem = memory;
        this.records = memory.records;
        this.runs = new GroupRun[groups];
        this.peerState = new ServerState[servers];
        this.peerExec = new GroupExec[servers][groups];
        for (int g = 0; g < groups; g++) {
            runs[g] = new GroupRun();
            for (int s = 0; s < servers; s++) {
                peerExec[s][g] = GroupExec.OFFLINE;
            }
        }
        this.processedSeq = new int[servers];
        this.ackSeq = new int[servers];
        this.ackResult = new OpResult[servers];
        this.peerAckSeq = new int[servers][servers];
        this.foreignLogged = new boolean[servers];
        this.peerAckResult = new OpResult[servers][servers];
        this.peerKnown = new long[servers][servers];
        this.crashed = memory.member;
        this.syncDeadlineNs = nowNs + startupWaitNs;
        fx.log("server " + serverNames[self] + " starting (incarnation " + mem.incarnation + ")"
            + (crashed ? " after a crash (no clean shutdown was recorded)" : "")
            + (memory.isolated ? " isolated" : "") + "; waiting up to " + topology.startupWaitMs()
            + " ms for the other servers");
    }

    // ---------------------------------------------------------------- inputs: membership

    /**
     * An authenticated heartbeat decoded into {@code hb}, received on {@code path} at {@code rxNs} (the
     * kernel's receive time in the {@code nowNs} clock).
     */
    public void onHeartbeat(final PeerSnapshot hb, final int path, final long rxNs) {
        final int from = hb.sender;
        if (from < 0 || from >= servers || from == self) {
            return;
        }
        final String foreign = foreign(hb);
        if (foreign != null) {
            // authentic but not of this configuration: acting on it would index past this cluster's servers
            if (!foreignLogged[from]) {
                foreignLogged[from] = true;
                fx.log("heartbeats of server " + serverNames[from] + " dropped: " + foreign + ", which this "
                    + "configuration does not have (do both run the same configuration file?)");
            }
            return;
        }
        foreignLogged[from] = false;
        final boolean wasAlive = peers.alive(from);
        final PeerTable.Arrival arrival = peers.onHeartbeat(from, path, hb.incarnation, rxNs);
        switch (arrival) {
            case STALE -> {
                return;
            }
            case RESTARTED -> {
                fx.log("server " + serverNames[from] + " restarted (new incarnation)"
                    + (wasAlive ? " before it was seen down" : ""));
                forgetOperations(from);
            }
            case BACK -> {
                fx.log("server " + serverNames[from] + " is heard (" + hb.state + ")");
                if (cutOff && autoReturn && state == ServerState.ISOLATED) {
                    cutOff = false;
                    fx.log("server " + serverNames[self] + " hears the cluster again after it was cut off; returning by"
                        + " itself (auto-return)");
                    doReturn(rxNs);
                }
            }
            case SAME -> {
                if (peerState[from] != hb.state) {
                    fx.log("server " + serverNames[from] + " is " + hb.state);
                }
            }
        }
        peerState[from] = hb.state;
        boolean changed = false;
        for (int g = 0; g < groups && g < hb.groups; g++) {
            if (hb.records[g].newerThan(records[g])) {
                records[g].copyFrom(hb.records[g]);
                changed = true;
            }
            peerExec[from][g] = hb.exec[g];
        }
        for (int o = 0; o < servers && o < hb.servers; o++) {
            peerAckSeq[from][o] = hb.ackSeq[o];
            peerAckResult[from][o] = hb.ackResult[o];
            peerKnown[from][o] = hb.known[o];
        }
        if (hb.servers > self && Long.compareUnsigned(hb.known[self], mem.incarnation) > 0) {
            behind(from, hb.known[self]);
        }
        if (changed) {
            fx.persist();
        }
        for (int i = 0; i < hb.commands; i++) {
            final int seq = hb.cmdSeq[i];
            if (seq > processedSeq[from]) {
                processedSeq[from] = seq;
                final Op op = Op.of(hb.cmdOp[i]);
                if (op != null) {
                    process(from, new Cmd(seq, op, hb.cmdGroup[i], hb.cmdServer[i], hb.cmdExecutor[i], rxNs), rxNs);
                }
            }
        }
    }

    /** A restarted peer's operations start again from sequence 1: forget what it asked and what it acked. */
    private void forgetOperations(final int from) {
        processedSeq[from] = 0;
        ackSeq[from] = 0;
        ackResult[from] = null;
        Arrays.fill(peerAckSeq[from], 0);
        Arrays.fill(peerKnown[from], 0);
    }

    /**
     * {@code peer} knows this server under an incarnation newer than this agent's (this server's state directory
     * was lost or restored from a backup): its heartbeats would be dropped as replays. Continue above it.
     */
    private void behind(final int peer, final long known) {
        final long next = known + 1;
        fx.log("server " + serverNames[peer] + " knows this server as incarnation " + known + ", newer than "
            + mem.incarnation + " (was the state directory lost or restored?): continuing as incarnation " + next);
        mem.incarnation = next;
        fx.persist();
        fx.newIncarnation(next);
    }

    /** What {@code hb} names that this cluster does not have (a server or group id), or null. */
    private String foreign(final PeerSnapshot hb) {
        for (int g = 0; g < groups && g < hb.groups; g++) {
            final GroupRecord r = hb.records[g];
            if (!serverOrNone(r.writer) || !serverOrNone(r.owner) || !serverOrNone(r.lastStop)) {
                return "the record of group " + groupNames[g] + " names server ids " + r.writer + ", " + r.owner
                    + ", " + r.lastStop;
            }
            for (int i = 0; i < r.errorCount; i++) {
                final int s = (int) (r.errorOrder >>> (4 * i)) & 0xf;
                if (s >= servers) {
                    return "the error history of group " + groupNames[g] + " names server id " + s;
                }
            }
        }
        for (int i = 0; i < hb.commands; i++) {
            if (hb.cmdGroup[i] < -1 || hb.cmdGroup[i] >= groups || !serverOrNone(hb.cmdServer[i])
                || !serverOrNone(hb.cmdExecutor[i])) {
                return "operation " + hb.cmdSeq[i] + " names group id " + hb.cmdGroup[i] + ", server id "
                    + hb.cmdServer[i] + ", executor id " + hb.cmdExecutor[i];
            }
        }
        return null;
    }

    private boolean serverOrNone(final int s) {
        return s >= -1 && s < servers;
    }

    /**
     * The heartbeat port of {@code peer} was refused (ICMP port unreachable): its agent is not listening.
     * It is declared down after a short silence instead of the full timeout.
     */
    public void onRefused(final int peer, final long nowNs) {
        if (peer >= 0 && peer < servers && !peers.refused(peer) && peers.alive(peer)) {
            peers.onRefused(peer, nowNs);
            fx.log("server " + serverNames[peer] + " refused a heartbeat (its agent is not listening)");
        }
    }

    /**
     * {@code peer}'s guardian said, in an authenticated frame of the peer's incarnation {@code incarnation},
     * that its agent died and what it held is released: it is down now.
     */
    public void onGone(final int peer, final long incarnation, final long nowNs) {
        if (peer < 0 || peer >= servers) {
            return;
        }
        if (peers.onGone(peer, incarnation)) {
            fx.log("server " + serverNames[peer] + " is down: its agent died and its guardian released what it held");
            decide(nowNs);
        } else if (peers.alive(peer)) {
            fx.log("server " + serverNames[peer] + ": a 'gone' of incarnation " + incarnation + " ignored (it runs as "
                + "incarnation " + peers.incarnation(peer) + ")");
        } else if (peers.incarnation(peer) == incarnation) {
            fx.log("server " + serverNames[peer] + " (down): its guardian confirms its agent died and released what it"
                + " held");
        }
    }

    /**
     * A newer beat of {@code peer} on the disk heartbeat path: it runs as {@code state} and holds the groups whose
     * bits are set in {@code heldGroups}. A peer silent on every network but beating on the disk is partitioned,
     * not dead: the groups it holds are not taken over.
     */
    public void onDiskBeat(final int peer, final long incarnation, final ServerState peerState, final long heldGroups,
                           final long nowNs) {
        if (!diskWorking || peer < 0 || peer >= servers || peer == self) {
            return;
        }
        final boolean was = peers.diskAlive(peer);
        peers.onDiskBeat(peer, incarnation, peerState.ordinal(), heldGroups, nowNs);
        if (!was && !peers.alive(peer) && peers.heard(peer)) {
            fx.log("server " + serverNames[peer] + " is silent on every network but alive on the disk heartbeat path "
                + "(" + peerState + "): a network partition; the groups it holds stay there");
        }
    }

    /**
     * This server's own disk heartbeat path started or stopped working (I/O errors, a stuck device). While it does
     * not work, peers' silence on it proves nothing, so only the networks decide, as without a disk path.
     */
    public void onDiskPath(final boolean working, final String reason, final long nowNs) {
        if (!diskPath || working == diskWorking) {
            return;
        }
        diskWorking = working;
        if (!working) {
            peers.diskBlind();
        }
        fx.log("disk heartbeat path " + (working ? "works again" : "does not work (" + reason + "): peers are judged "
            + "by the networks alone until it works again; no failover because of it"));
        decide(nowNs);
    }

    /**
     * What the tiebreak said, asked because this server hears no peer on any network: {@code reachable} when it
     * still reaches the outside. When it does not, this server is the one cut off: it releases its groups (stop
     * scripts with CLUSTERLEAVE, then resources) and isolates itself, so the others can take over safely.
     */
    public void onTiebreak(final boolean reachable, final String detail, final long nowNs) {
        tiebreakAsked = false;
        tiebreakNextNs = nowNs + tiebreakRetryNs;
        if (state != ServerState.NORMAL || heardAnyPeer() || reachable) {
            return;
        }
        cutOff = true;
        fx.log("server " + serverNames[self] + " is cut off: no peer on any network, and the tiebreak failed ("
            + detail + "): releasing its groups so the others can take them over");
        startLeaving(Sequence.LEAVE, ServerState.ISOLATED);
    }

    /** Whether some peer is heard on a network now. */
    private boolean heardAnyPeer() {
        for (int s = 0; s < servers; s++) {
            if (s != self && peers.alive(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The groups this server holds (any script running or online: not offline, not fencing), as the bits of a
     * long: what its disk beats say.
     */
    public long heldGroups() {
        long bits = 0;
        for (int g = 0; g < groups; g++) {
            final GroupExec e = runs[g].exec();
            if (e != GroupExec.OFFLINE && e != GroupExec.FENCING) {
                bits |= 1L << g;
            }
        }
        return bits;
    }

    /** Advances time: peers silent past the timeout go down, the start-up wait ends, groups are decided. */
    public void tick(final long nowNs) {
        int down;
        while ((down = peers.expire(nowNs)) >= 0) {
            if (diskWorking && peers.diskAlive(down)) {
                fx.log("server " + serverNames[down] + " is silent on every network for "
                    + (nowNs - peers.newest(down)) / 1_000_000 + " ms but alive on the disk heartbeat path: a network "
                    + "partition; the groups it holds stay there");
            } else {
                fx.log("server " + serverNames[down] + " is down: silent on every heartbeat path for "
                    + (nowNs - peers.newest(down)) / 1_000_000 + " ms");
            }
        }
        if (state == ServerState.STARTING && (allHeard() || nowNs - syncDeadlineNs >= 0)) {
            finishSync(nowNs);
        }
        retire(nowNs);
        checkLeaving();
        askTiebreak(nowNs);
        decide(nowNs);
    }

    /** A member that hears no peer asks the tiebreak (again every timeout while that lasts). */
    private void askTiebreak(final long nowNs) {
        if (tiebreak && servers > 1 && state == ServerState.NORMAL && !tiebreakAsked && !heardAnyPeer()
            && nowNs - tiebreakNextNs >= 0) {
            tiebreakAsked = true;
            fx.checkTiebreak();
        }
    }

    // ---------------------------------------------------------------- inputs: scripts and resources

    /** The script run for group {@code g} ended with {@code outcome} ({@code reason}: why, or null). */
    public void onScriptDone(final int g, final RunOutcome outcome, final String reason, final long nowNs) {
        final GroupRun r = runs[g];
        if (r.sequence == null) {
            fx.log("group " + groupNames[g] + ": a script end nothing waited for was ignored");
            return;
        }
        final Sequence.Step step = r.sequence.step(r.step);
        if (r.sequence.bringsOnline(r.step)) {
            r.sequence = null;
            switch (outcome) {
                case OK -> online(g);
                case FAILED -> startFailed(g, "start script failed");
                case RESOURCE_FAILED -> resourceStartFailed(g, reason);
                case CONFLICT -> startConflicted(g, reason, nowNs);
            }
        } else {
            if (outcome != RunOutcome.OK) {
                fx.log("group " + groupNames[g] + ": " + (step.stop() ? "stop" : "RECOVER start") + " script failed on "
                    + serverNames[self] + "; continuing");
            }
            if (step.stop()) {
                mem.onlineHere[g] = false;
            }
            if (r.step + 1 < r.sequence.length()) {
                r.step++;
                runStep(g);
            } else {
                final Sequence.Then then = r.sequence.then();
                r.sequence = null;
                finish(g, then);
            }
            fx.persist();
        }
        checkLeaving();
        decide(nowNs);
    }

    private void online(final int g) {
        final GroupRun r = runs[g];
        r.online = true;
        r.failure = null;
        mem.onlineHere[g] = true;
        mem.lastStartEvent[g] = r.startEvent;
        mem.lastStartPriority[g] = priority(g, self);
        fx.log("group " + groupNames[g] + " is online on " + serverNames[self] + " (" + r.startEvent + ")");
        fx.persist();
        final Deferred d = r.deferred;
        r.deferred = null;
        if (d == null) {
            return;
        }
        if (d.application()) {
            onApplicationDied(g, d.failover());
        } else {
            resourceFailed(g, d.name(), d.action(), d.destination(), d.reason());
        }
    }

    /** The start script failed: the group is held, failed, until an operator starts it. */
    private void startFailed(final int g, final String why) {
        final GroupRun r = runs[g];
        r.deferred = null;
        r.failure = why;
        mem.onlineHere[g] = false;
        write(g, -1, GroupMode.HELD, records[g].startEvent, records[g].lastStop, true);
        fx.log("group " + groupNames[g] + ": " + why + " on " + serverNames[self] + " (activation failure); the group"
            + " is stopped until 'armd group start " + groupNames[g] + "'");
        fx.persist();
    }

    /**
     * The group's resources could not be activated here (the start script did not run, nothing is left active):
     * it fails over to the highest-priority healthy server, counted like a monitor failover, or is held, failed,
     * with the reason in the status.
     */
    private void resourceStartFailed(final int g, final String reason) {
        final GroupRun r = runs[g];
        r.deferred = null;
        mem.onlineHere[g] = false;
        records[g].noteError(self);
        final int target = firstMember(g, self);
        final String why = reason == null ? "a resource could not be activated" : reason;
        if (target >= 0 && mem.monitorFailovers[g] < maxMonitorFailovers) {
            mem.monitorFailovers[g]++;
            r.failure = why;
            write(g, target, GroupMode.RUN, ArmsEvent.FAILOVER, records[g].lastStop, false);
            fx.log("group " + groupNames[g] + " is not online on " + serverNames[self] + ": " + why
                + "; failing over to " + serverNames[target] + " (monitor failover " + mem.monitorFailovers[g]
                + " of " + maxMonitorFailovers + ")");
            fx.persist();
        } else {
            startFailed(g, why + (target < 0 ? "" : "; " + mem.monitorFailovers[g] + " failovers by monitors already"));
        }
    }

    /**
     * The group's floating address answers from another host: it was not started here (nothing is left active).
     * Failing over would meet the same answer; the start is tried again here every timeout, while no server this
     * one hears runs the group (one that does claims the record, and this server lets it).
     */
    private void startConflicted(final int g, final String reason, final long nowNs) {
        final GroupRun r = runs[g];
        r.deferred = null;
        mem.onlineHere[g] = false;
        r.failure = reason;
        r.retryNs = nowNs + fenceRetryNs;
        fx.log("group " + groupNames[g] + " is not started on " + serverNames[self] + ": " + reason + "; trying again "
            + "every " + fenceRetryNs / 1_000_000 + " ms while it answers there");
        fx.persist();
    }

    /**
     * The application that armload watches in group {@code g} died: restart in place (stop GROUPRESTART,
     * start RECOVER, start START) or fail over (stop GROUPFAILOVER, start RECOVER, start FAILOVER on the
     * next server); a failover with no other member restarts in place. Returns false when the group is not
     * online here.
     */
    public boolean onApplicationDied(final int g, final boolean failover) {
        final GroupRun r = runs[g];
        return switch (r.exec()) {
            case STARTING -> {
                // armload ran from the start script, which has not finished: act once the group is online
                if (r.deferred == null) {
                    // (a resource failure reported meanwhile decides instead)
                    r.deferred = Deferred.applicationDied(failover);
                }
                fx.log("group " + groupNames[g] + ": application died before its start script ended");
                yield true;
            }
            case ONLINE -> {
                if (failover && firstMember(g, self) >= 0) {
                    fx.log("group " + groupNames[g] + ": application died; failing over");
                    begin(g, Sequence.FAILOVER, -1);
                } else {
                    fx.log("group " + groupNames[g] + ": application died; restarting on " + serverNames[self]
                        + (failover ? " (no other member to fail over to)" : ""));
                    begin(g, Sequence.RESTART, -1);
                }
                yield true;
            }
            case OFFLINE, FENCING, STOPPING, RECOVERING -> false;
        };
    }

    /**
     * A monitor of group {@code g} failed on this server: stop the group, or fail it over to the server
     * {@code destination} picks, unless no other server is healthy or this server's failover counter for the
     * group reached its limit (docs/behaviour.md#resource-monitoring). Returns what was decided, for the log and for
     * armrsp.
     */
    public OpResult resourceFailed(final int g, final String name, final FailureAction action,
                                   final Destination destination, final String reason) {
        final String what = "group " + groupNames[g] + ": " + name + " failed (" + reason + ")";
        final GroupRun r = runs[g];
        switch (r.exec()) {
            case STARTING -> {
                r.deferred = Deferred.resourceFailed(name, action, destination, reason);
                fx.log(what + " while the group starts; acting when its start script has ended");
                return OpResult.OK;
            }
            case ONLINE -> {
                if (records[g].owner != self) {
                    fx.log(what + "; the group is not online here: nothing to do");
                    return OpResult.NOT_RUNNING;
                }
            }
            case OFFLINE, FENCING, STOPPING, RECOVERING -> {
                fx.log(what + "; the group is not online here: nothing to do");
                return OpResult.NOT_RUNNING;
            }
        }
        records[g].noteError(self);
        if (action == FailureAction.STOP) {
            fx.log(what + "; stopping the group");
            begin(g, Sequence.STOP, -1);
            return OpResult.OK;
        }
        final int target = destination == Destination.STABLE ? mostStable(g) : firstMember(g, self);
        if (target < 0) {
            fx.log(what + "; no other server is healthy: no failover, the group stays on " + serverNames[self]);
            return OpResult.NO_TARGET;
        }
        if (mem.monitorFailovers[g] >= maxMonitorFailovers) {
            fx.log(what + "; " + mem.monitorFailovers[g] + " failovers by monitors already (the limit is "
                + maxMonitorFailovers + "): no failover, the group stays on " + serverNames[self]
                + " until the counter is reset");
            return OpResult.BAD_STATE;
        }
        mem.monitorFailovers[g]++;
        fx.log(what + "; failing over to " + serverNames[target] + " (" + destination.name().toLowerCase()
            + " destination, monitor failover " + mem.monitorFailovers[g] + " of " + maxMonitorFailovers + ")");
        fx.persist();
        begin(g, Sequence.FAILOVER, target);
        return OpResult.OK;
    }

    /** Group {@code g}'s monitored resource {@code name} stayed normal for its reset time: reset the counter. */
    public void resourceNormal(final int g, final String name) {
        if (mem.monitorFailovers[g] != 0) {
            mem.monitorFailovers[g] = 0;
            fx.log("group " + groupNames[g] + ": " + name + " normal again; monitor failover counter reset");
            fx.persist();
        }
    }

    /**
     * The holder probe {@link NodeEffects#probeHolder} asked for ended: {@code free} when none of the group's
     * addresses answered from anywhere, else {@code detail} says who answers ("192.0.2.100 answered by
     * 02:00:00:00:00:0a").
     */
    public void onHolderProbe(final int g, final boolean free, final String detail, final long nowNs) {
        final GroupRun r = runs[g];
        // the probe in flight ended, whether or not the takeover that asked for it still stands
        r.probing = false;
        if (!r.fencing || !stillTakingOver(g, nowNs)) {
            return;
        }
        final int owner = r.fencedOwner;
        if (free) {
            r.fencing = false;
            r.fenceDetail = null;
            r.checked = true;
            takeOver(g, nowNs);
            return;
        }
        r.fenceNextNs = nowNs + fenceRetryNs;
        if (!ownerGone(owner, g)) {
            // only late: its kernel answers for the addresses, so it is alive; suspicion costs nothing more
            r.fencing = false;
            return;
        }
        if (!detail.equals(r.fenceDetail)) {
            fx.log("group " + groupNames[g] + ": not taken over from " + serverNames[owner] + " (" + status(owner)
                + "): " + detail + "; it runs there: checking again every " + fenceRetryNs / 1_000_000 + " ms");
        }
        r.fenceDetail = detail;
    }

    // ---------------------------------------------------------------- inputs: operations

    /**
     * Issues operation {@code op} from this server at {@code nowNs}; returns its sequence number, whose
     * completion comes through {@link NodeEffects#operationDone}. {@code group} and {@code server} are ids
     * or -1.
     */
    public int submit(final Op op, final int group, final int server, final long nowNs) {
        final int seq = nextSeq++;
        final int executor;
        OpResult early = null;
        switch (op) {
            case CLUSTER_START, CLUSTER_SHUTDOWN -> executor = -1;
            case SERVER_SHUTDOWN, SERVER_LEAVE, SERVER_RETURN -> executor = server < 0 ? self : server;
            case GROUP_START -> {
                final int t = server >= 0 ? server : firstMember(group, -1);
                executor = t;
                if (t < 0) {
                    early = OpResult.NO_TARGET;
                }
            }
            case GROUP_STOP, GROUP_MOVE, GROUP_FAILOVER -> {
                final GroupRecord r = records[group];
                executor = r.owner;
                if (r.mode != GroupMode.RUN || r.owner < 0) {
                    early = OpResult.NOT_RUNNING;
                }
            }
            default -> throw new IllegalArgumentException(op.name());
        }
        if (early == null && outgoing.size() >= MAX_OUTSTANDING) {
            early = OpResult.BUSY;
        }
        if (early != null) {
            fx.operationDone(seq, early);
            return seq;
        }
        if (op == Op.CLUSTER_SHUTDOWN) {
            for (int g = 0; g < groups; g++) {
                if (records[g].mode == GroupMode.HELD) {
                    write(g, -1, GroupMode.SHUTDOWN, records[g].startEvent, records[g].lastStop, false);
                }
            }
            fx.persist();
        }
        final Cmd cmd = new Cmd(seq, op, group, op.serverOp() ? executor : server, executor, nowNs);
        outgoing.add(cmd);
        process(self, cmd, nowNs);
        return seq;
    }

    private void process(final int origin, final Cmd cmd, final long nowNs) {
        if (!cmd.op().broadcast() && cmd.executor() != self) {
            return;
        }
        final OpResult result = execute(cmd, nowNs);
        ackSeq[origin] = cmd.seq();
        ackResult[origin] = result;
        final String who = origin == self ? "" : " (asked by " + serverNames[origin] + ")";
        fx.log("operation " + describe(cmd) + who + ": " + result.text());
    }

    private String describe(final Cmd cmd) {
        final StringBuilder sb = new StringBuilder(cmd.op().name().toLowerCase().replace('_', ' '));
        if (cmd.group() >= 0 && cmd.group() < groups) {
            sb.append(' ').append(groupNames[cmd.group()]);
        }
        if (cmd.server() >= 0 && cmd.server() < servers) {
            sb.append(' ').append(serverNames[cmd.server()]);
        }
        return sb.toString();
    }

    private OpResult execute(final Cmd cmd, final long nowNs) {
        final int g = cmd.group();
        if (cmd.op().groupOp() && (g < 0 || g >= groups)) {
            return OpResult.UNKNOWN_GROUP;
        }
        return switch (cmd.op()) {
            case CLUSTER_START -> {
                if (state == ServerState.STOPPED) {
                    state = ServerState.STARTING;
                    syncDeadlineNs = nowNs + startupWaitNs;
                    crashed = false;
                    fx.log("server " + serverNames[self] + " starting (cluster start)");
                    yield OpResult.OK;
                }
                yield state == ServerState.ISOLATED ? OpResult.BAD_STATE : OpResult.OK;
            }
            case CLUSTER_SHUTDOWN -> {
                if (state == ServerState.NORMAL || state == ServerState.STARTING) {
                    startLeaving(Sequence.CLUSTER_SHUTDOWN, ServerState.STOPPED);
                }
                yield OpResult.OK;
            }
            case SERVER_SHUTDOWN -> {
                if (state == ServerState.NORMAL || state == ServerState.STARTING) {
                    startLeaving(Sequence.SERVER_SHUTDOWN, ServerState.STOPPED);
                    yield OpResult.OK;
                }
                yield state == ServerState.STOPPED ? OpResult.OK : OpResult.BAD_STATE;
            }
            case SERVER_LEAVE -> {
                if (state == ServerState.NORMAL) {
                    startLeaving(Sequence.LEAVE, ServerState.ISOLATED);
                    yield OpResult.OK;
                }
                yield state == ServerState.ISOLATED ? OpResult.OK : OpResult.BAD_STATE;
            }
            case SERVER_RETURN -> {
                if (state == ServerState.ISOLATED || state == ServerState.STOPPED) {
                    fx.log("server " + serverNames[self] + " returns to the cluster");
                    doReturn(nowNs);
                    yield OpResult.OK;
                }
                yield state == ServerState.NORMAL ? OpResult.OK : OpResult.BAD_STATE;
            }
            case GROUP_START -> groupStart(g);
            case GROUP_STOP, GROUP_MOVE, GROUP_FAILOVER -> groupChange(cmd);
        };
    }

    private OpResult groupStart(final int g) {
        if (state != ServerState.NORMAL) {
            return OpResult.NOT_MEMBER;
        }
        if (priority(g, self) == 0) {
            return OpResult.NOT_IN_POLICY;
        }
        final GroupRun r = runs[g];
        return switch (r.exec()) {
            case OFFLINE -> {
                if (records[g].mode == GroupMode.RUN) {
                    yield OpResult.ALREADY_RUNNING;
                }
                final ArmsEvent ev = eventFor(g, self);
                write(g, self, GroupMode.RUN, ev, records[g].lastStop, false);
                mem.monitorFailovers[g] = 0;
                begin(g, Sequence.START, -1);
                yield OpResult.OK;
            }
            case FENCING, STARTING, ONLINE, STOPPING, RECOVERING -> OpResult.ALREADY_RUNNING;
        };
    }

    private OpResult groupChange(final Cmd cmd) {
        final int g = cmd.group();
        final GroupRecord rec = records[g];
        if (rec.mode != GroupMode.RUN || rec.owner != self) {
            return OpResult.NOT_RUNNING;
        }
        return switch (runs[g].exec()) {
            case OFFLINE, FENCING -> OpResult.NOT_RUNNING;
            case STARTING, STOPPING, RECOVERING -> OpResult.BUSY;
            case ONLINE -> switch (cmd.op()) {
                case GROUP_STOP -> {
                    begin(g, Sequence.STOP, -1);
                    yield OpResult.OK;
                }
                case GROUP_MOVE -> {
                    final int t = cmd.server();
                    if (t < 0 || t >= servers) {
                        yield OpResult.UNKNOWN_SERVER;
                    }
                    if (t == self) {
                        yield OpResult.OK;
                    }
                    if (priority(g, t) == 0) {
                        yield OpResult.NOT_IN_POLICY;
                    }
                    if (status(t) != PeerStatus.NORMAL) {
                        yield OpResult.NOT_MEMBER;
                    }
                    begin(g, Sequence.MOVE, t);
                    yield OpResult.OK;
                }
                case GROUP_FAILOVER -> {
                    if (firstMember(g, self) < 0) {
                        yield OpResult.NO_TARGET;
                    }
                    begin(g, Sequence.FAILOVER, -1);
                    yield OpResult.OK;
                }
                default -> throw new IllegalStateException(cmd.op().name());
            };
        };
    }

    private void retire(final long nowNs) {
        if (outgoing.isEmpty()) {
            return;
        }
        final Iterator<Cmd> it = outgoing.iterator();
        while (it.hasNext()) {
            final Cmd c = it.next();
            OpResult done = null;
            if (c.op().broadcast()) {
                boolean all = true;
                for (int s = 0; s < servers; s++) {
                    if (s != self && peers.alive(s) && !acked(s, c.seq())) {
                        all = false;
                    }
                }
                if (all) {
                    done = ackResult[self] == null ? OpResult.OK : ackResult[self];
                }
            } else if (c.executor() == self) {
                done = ackResult[self] == null ? OpResult.OK : ackSeq[self] == c.seq() ? ackResult[self] : OpResult.OK;
            } else if (c.executor() >= 0 && acked(c.executor(), c.seq())) {
                final OpResult r = peerAckResult[c.executor()][self];
                done = peerAckSeq[c.executor()][self] == c.seq() && r != null ? r : OpResult.OK;
            } else if (c.executor() < 0 || !peers.alive(c.executor())) {
                done = OpResult.UNREACHABLE;
            }
            if (done == null && nowNs - c.issuedNs() > operationTimeoutNs) {
                done = OpResult.UNREACHABLE;
            }
            if (done != null) {
                it.remove();
                fx.operationDone(c.seq(), done);
            }
        }
    }

    /**
     * Whether server {@code s} has executed this server's operation {@code seq}: its ack counts only when it
     * is about this agent's incarnation (an ack left from before a restart is about other operations).
     */
    private boolean acked(final int s, final int seq) {
        return peerKnown[s][self] == mem.incarnation && peerAckSeq[s][self] >= seq;
    }

    // ---------------------------------------------------------------- server lifecycle

    /**
     * Every other server is heard and none is still STOPPED: after a cluster start the stopped servers are
     * about to start too, and deciding before they do would put their groups elsewhere.
     */
    private boolean allHeard() {
        for (int s = 0; s < servers; s++) {
            if (s != self && (!peers.heard(s) || status(s) == PeerStatus.STOPPED)) {
                return false;
            }
        }
        return true;
    }

    private void finishSync(final long nowNs) {
        if (mem.isolated || (crashed && !autoReturn)) {
            state = ServerState.ISOLATED;
            mem.member = false;
            mem.isolated = true;
            fx.persist();
            fx.log("server " + serverNames[self] + " is isolated: it " + (crashed ? "was down" : "left the cluster")
                + "; 'armd server return " + serverNames[self] + "' brings it back");
        } else if (crashed) {
            fx.log("server " + serverNames[self] + " was down; returning by itself (auto-return)");
            doReturn(nowNs);
        } else {
            // a start (not a return after a crash) resets the monitors' failover counters
            // (docs/behaviour.md#failover-counter)
            Arrays.fill(mem.monitorFailovers, 0);
            becomeNormal(nowNs);
        }
        crashed = false;
    }

    private void becomeNormal(final long nowNs) {
        state = ServerState.NORMAL;
        mem.member = true;
        mem.isolated = false;
        pickupUntilNs = nowNs + startupWaitNs;
        fx.persist();
        fx.log("server " + serverNames[self] + " is a member of the cluster");
    }

    /** A return after being down: RECOVER for every group that was online here when it went down. */
    private void doReturn(final long nowNs) {
        for (int g = 0; g < groups; g++) {
            if (mem.onlineHere[g] && runs[g].exec() == GroupExec.OFFLINE) {
                mem.onlineHere[g] = false;
                begin(g, Sequence.RETURN, -1);
            }
        }
        becomeNormal(nowNs);
    }

    private void startLeaving(final Sequence sequence, final ServerState to) {
        state = ServerState.STOPPING;
        leavingTo = to;
        leaving = sequence;
        fx.log("server " + serverNames[self] + " is stopping its groups (" + sequence.step(0).factor() + ")");
        checkLeaving();
    }

    private void checkLeaving() {
        if (state != ServerState.STOPPING) {
            return;
        }
        boolean busy = false;
        for (int g = 0; g < groups; g++) {
            final GroupRun r = runs[g];
            switch (r.exec()) {
                case ONLINE -> {
                    begin(g, leaving, -1);
                    busy = true;
                }
                case FENCING -> r.fencing = false;
                case STARTING, STOPPING, RECOVERING -> busy = true;
                case OFFLINE -> {
                }
            }
            if (r.exec() == GroupExec.OFFLINE && records[g].mode == GroupMode.RUN && records[g].owner == self) {
                // handed to us but not started yet: pass it on without scripts
                finish(g, leaving.then());
            }
        }
        if (!busy) {
            state = leavingTo;
            mem.member = false;
            mem.isolated = leavingTo == ServerState.ISOLATED;
            fx.persist();
            fx.log("server " + serverNames[self] + " is " + state);
        }
    }

    // ---------------------------------------------------------------- decisions

    private void decide(final long nowNs) {
        if (state != ServerState.NORMAL) {
            return;
        }
        for (int g = 0; g < groups; g++) {
            switch (runs[g].exec()) {
                case OFFLINE -> pickUp(g, nowNs);
                case FENCING -> fence(g, nowNs);
                case ONLINE -> keepOrYield(g);
                case STARTING, STOPPING, RECOVERING -> {
                    // a script runs: decided again when it ends
                }
            }
        }
    }

    /**
     * Whether a server this one hears (recently: a suspect one, silent for two intervals, does not count, so that it
     * can be fenced) is starting or running group {@code g}.
     */
    private boolean heldElsewhere(final int g, final long nowNs) {
        for (int s = 0; s < servers; s++) {
            if (s != self && peers.alive(s) && !peers.suspect(s, nowNs) && peerExec[s][g].holds()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Group {@code g} is offline here: start it if its record says so, or take it over from a gone owner; never
     * while a server this one hears runs it (that server claims the record instead).
     */
    private void pickUp(final int g, final long nowNs) {
        final GroupRecord r = records[g];
        if (heldElsewhere(g, nowNs)) {
            return;
        }
        switch (r.mode) {
            case RUN -> {
                if (r.owner == self) {
                    if (nowNs - runs[g].retryNs >= 0) {
                        begin(g, Sequence.START, -1);
                    }
                } else if (r.owner >= 0 && fenced[g]) {
                    if (mayTakeOver(r.owner, g, nowNs) && firstMember(g, r.owner) == self
                        && nowNs - runs[g].fenceNextNs >= 0) {
                        final GroupRun run = runs[g];
                        run.fencing = true;
                        run.fencedOwner = r.owner;
                        fence(g, nowNs);
                    }
                } else if (ownerGone(r.owner, g) && firstMember(g, r.owner) == self) {
                    takeOver(g, nowNs);
                }
            }
            case NONE, SHUTDOWN -> {
                if (nowNs - pickupUntilNs < 0 && firstCandidate(g) == self) {
                    final ArmsEvent ev = eventFor(g, self);
                    write(g, self, GroupMode.RUN, ev, r.lastStop, false);
                    begin(g, Sequence.START, -1);
                }
            }
            case HELD -> {
                // an operator stopped it, or its start failed: only "group start" brings it back
            }
        }
    }

    /** Taking group {@code g} over: asks the data plane, again when the last answer is old enough. */
    private void fence(final int g, final long nowNs) {
        final GroupRun r = runs[g];
        if (!stillTakingOver(g, nowNs)) {
            return;
        }
        if (!r.probing && nowNs - r.fenceNextNs >= 0) {
            r.probing = true;
            fx.probeHolder(g);
        }
    }

    /** Whether the takeover of {@code g} that fencing started still stands; abandons it (logged) when not. */
    private boolean stillTakingOver(final int g, final long nowNs) {
        final GroupRun r = runs[g];
        final GroupRecord rec = records[g];
        final int owner = r.fencedOwner;
        if (state == ServerState.NORMAL && rec.mode == GroupMode.RUN && rec.owner == owner && !heldElsewhere(g, nowNs)
            && firstMember(g, owner) == self && mayTakeOver(owner, g, nowNs)) {
            return true;
        }
        r.fencing = false;
        if (r.fenceDetail != null) {
            fx.log("group " + groupNames[g] + ": takeover from " + serverNames[owner] + " abandoned (" + status(owner)
                + ", the group's record names " + (rec.owner >= 0 ? serverNames[rec.owner] : "nobody") + ")");
            r.fenceDetail = null;
        }
        return false;
    }

    /** Writes this server as group {@code g}'s owner and starts it: FAILOVER from a gone owner. */
    private void takeOver(final int g, final long nowNs) {
        final GroupRecord r = records[g];
        final ArmsEvent ev = r.owner >= 0 ? ArmsEvent.FAILOVER : eventFor(g, self);
        if (r.owner < 0) {
            fx.log("group " + groupNames[g] + ": taken by " + serverNames[self]);
        } else if (ownerGone(r.owner, g)) {
            fx.log("group " + groupNames[g] + ": its server " + serverNames[r.owner] + " is " + status(r.owner)
                + "; failing over to " + serverNames[self]);
        } else {
            fx.log("group " + groupNames[g] + ": its server " + serverNames[r.owner] + " is silent for "
                + (nowNs - peers.newest(r.owner)) / 1_000_000 + " ms and its addresses do not answer; failing over to "
                + serverNames[self]);
        }
        write(g, self, GroupMode.RUN, ev, r.lastStop, false);
        begin(g, Sequence.START, -1);
    }

    /**
     * Group {@code g} is online here. When another server that hears us holds it too (a partition healed), the
     * higher priority in the group's policy keeps it: here, the record is claimed back and, once the other let
     * go, the addresses are announced again; there, this server stops its copy (YIELD, GROUPFAILOVER).
     */
    private void keepOrYield(final int g) {
        final GroupRecord rec = records[g];
        final GroupRun r = runs[g];
        if (rec.mode != GroupMode.RUN) {
            fx.log("group " + groupNames[g] + " is online here but the cluster's newer record has it " + rec.mode
                + ": stopping it here");
            begin(g, Sequence.YIELD, -1);
            return;
        }
        int best = self;
        boolean others = false;
        for (int s = 0; s < servers; s++) {
            if (s != self && peers.alive(s) && peerExec[s][g].holds()) {
                others = true;
                if (priority(g, s) != 0 && priority(g, s) < priority(g, best)) {
                    best = s;
                }
            }
        }
        if (best != self) {
            fx.log("group " + groupNames[g] + " also runs on " + serverNames[best] + ", which comes first in its policy:"
                + " stopping it here (split brain resolved)");
            if (rec.owner == self) {
                // the record must not bring the group back here once the stop ended: it names the keeper
                write(g, best, GroupMode.RUN, rec.startEvent, rec.lastStop, false);
                fx.persist();
            }
            begin(g, Sequence.YIELD, -1);
            return;
        }
        // the record is claimed where the copies hear each other, or where it names nobody or a server that is
        // heard and does not run the group; never across a partition (records relayed by a third server), where the
        // other side's claim would answer this one every heartbeat
        final boolean stale = rec.owner < 0 || rec.owner != self && peers.alive(rec.owner)
            && !peerExec[rec.owner][g].holds();
        if (rec.owner != self && (others || stale)) {
            fx.log("group " + groupNames[g] + " runs here; the record named " + (rec.owner >= 0
                ? serverNames[rec.owner] : "nobody") + ": claimed back" + (others ? " (it also runs elsewhere and comes "
                + "first here in its policy: split brain resolved, the other copy stops)" : ""));
            write(g, self, GroupMode.RUN, rec.startEvent, rec.lastStop, false);
            fx.persist();
        }
        if (others) {
            r.reassert = true;
        } else if (r.reassert) {
            r.reassert = false;
            fx.log("group " + groupNames[g] + ": no other server holds it any more; announcing its addresses again");
            fx.reassert(g);
        }
    }

    /**
     * Whether group {@code g}'s owner can no longer run it: gone, or in a state that runs no group. A partitioned
     * owner (silent on the networks, alive on the disk path) is gone for a group only once its disk beats say it
     * no longer holds it.
     */
    private boolean ownerGone(final int owner, final int g) {
        if (owner < 0 || owner >= servers) {
            return true;
        }
        final PeerStatus st = status(owner);
        if (st == PeerStatus.PARTITIONED) {
            return !peers.diskHolds(owner, g);
        }
        return st != PeerStatus.NORMAL && st != PeerStatus.STOPPING;
    }

    /**
     * Whether a takeover of group {@code g} from {@code owner} may start: the owner is gone for it, or is silent
     * long enough to be suspect while the disk path (if any) does not say it holds the group.
     */
    private boolean mayTakeOver(final int owner, final int g, final long nowNs) {
        return ownerGone(owner, g) || peers.suspect(owner, nowNs) && !peers.diskHolds(owner, g);
    }

    /**
     * Where a "group move" without a destination goes: the first member in group {@code g}'s policy other
     * than the server that runs it, or -1.
     */
    public int nextMember(final int g) {
        return firstMember(g, records[g].owner);
    }

    /** The first member (NORMAL) in group g's policy other than {@code exclude}, or -1. */
    private int firstMember(final int g, final int exclude) {
        for (final int s : policy[g]) {
            if (s != exclude && status(s) == PeerStatus.NORMAL) {
                return s;
            }
        }
        return -1;
    }

    /** The first server in group g's policy that is a member or about to be one, or -1. */
    private int firstCandidate(final int g) {
        for (final int s : policy[g]) {
            final PeerStatus st = status(s);
            if (st == PeerStatus.NORMAL || st == PeerStatus.STARTING) {
                return s;
            }
        }
        return -1;
    }

    /**
     * The most stable healthy server for group {@code g} other than this one: the highest-priority one that
     * detected no resource error since the group started, else the one whose last error is the oldest.
     */
    private int mostStable(final int g) {
        int oldest = -1;
        int oldestRank = Integer.MAX_VALUE;
        for (final int s : policy[g]) {
            if (s == self || status(s) != PeerStatus.NORMAL) {
                continue;
            }
            final int rank = records[g].errorRank(s);
            if (rank < 0) {
                return s;
            }
            if (rank < oldestRank) {
                oldestRank = rank;
                oldest = s;
            }
        }
        return oldest;
    }

    /**
     * START when {@code target} has the same or a higher priority than where the group ran at the last
     * shutdown or stop, FAILOVER when lower (docs/behaviour.md#start-events).
     */
    private ArmsEvent eventFor(final int g, final int target) {
        final int last = records[g].lastStop;
        final int lastPriority = last < 0 ? 0 : priority(g, last);
        if (lastPriority == 0) {
            return ArmsEvent.START;
        }
        return priority(g, target) <= lastPriority ? ArmsEvent.START : ArmsEvent.FAILOVER;
    }

    // ---------------------------------------------------------------- sequences

    /** Starts {@code sequence} for group {@code g} ({@code target}: of a MOVE or FAILOVER, or -1). */
    private void begin(final int g, final Sequence sequence, final int target) {
        final GroupRun r = runs[g];
        r.online = false;
        r.fencing = false;
        r.sequence = sequence;
        r.step = 0;
        r.target = target;
        runStep(g);
    }

    private void runStep(final int g) {
        final GroupRun r = runs[g];
        final Sequence.Step step = r.sequence.step(r.step);
        final int prio = priority(g, self);
        if (step.stop()) {
            // a stop shows the environment of the start run before it (docs/behaviour.md#stop-scripts)
            final ArmsEvent ev = mem.lastStartEvent[g] == null ? ArmsEvent.START : mem.lastStartEvent[g];
            final int startPrio = mem.lastStartPriority[g] == 0 ? prio : mem.lastStartPriority[g];
            fx.runScript(new ScriptRun(g, true, ev, startPrio == 1, startPrio, step.factor(), true));
            return;
        }
        final ArmsEvent ev = step.event() != null ? step.event() : records[g].startEvent;
        r.startEvent = ev;
        final boolean checked = r.checked;
        r.checked = false;
        if (ev != ArmsEvent.RECOVER) {
            // a crash from here on may leave part of the group running: the return after it runs RECOVER. One save
            // covers this and the record written just before (callers that start a group do not save first)
            mem.onlineHere[g] = true;
            fx.persist();
        }
        fx.runScript(new ScriptRun(g, false, ev, prio == 1, prio, null, true, checked));
    }

    /** What the group's record says after the last script of a sequence ended here. */
    private void finish(final int g, final Sequence.Then then) {
        final GroupRun r = runs[g];
        final GroupRecord rec = records[g];
        switch (then) {
            case ONLINE -> throw new IllegalStateException("a sequence that ends online ends in online()");
            case HOLD -> write(g, -1, GroupMode.HELD, rec.startEvent, self, false);
            case PARK -> write(g, -1, GroupMode.SHUTDOWN, rec.startEvent, self, false);
            case HAND_ON -> handOn(g);
            case HAND_TO_TARGET -> {
                write(g, r.target, GroupMode.RUN, ArmsEvent.START, rec.lastStop, false);
                fx.log("group " + groupNames[g] + " moves to " + serverNames[r.target]);
            }
            case FAIL_OVER -> {
                final int chosen = r.target;
                final int next = chosen >= 0 && chosen != self && status(chosen) == PeerStatus.NORMAL
                    ? chosen : firstMember(g, self);
                if (next >= 0) {
                    write(g, next, GroupMode.RUN, ArmsEvent.FAILOVER, rec.lastStop, false);
                    fx.log("group " + groupNames[g] + " fails over to " + serverNames[next]);
                } else {
                    write(g, self, GroupMode.RUN, ArmsEvent.START, rec.lastStop, false);
                    fx.log("group " + groupNames[g] + ": no other member to fail over to; restarting on "
                        + serverNames[self]);
                }
            }
            case NOTHING -> {
                // a yield or a return: the record already says where the group runs
            }
        }
        r.target = -1;
    }

    /** After a server shutdown or leave: the group goes to the next member, or waits for a cluster start. */
    private void handOn(final int g) {
        final GroupRecord r = records[g];
        r.lastStop = self;
        final int next = firstMember(g, self);
        if (next >= 0) {
            final ArmsEvent ev = eventFor(g, next);
            write(g, next, GroupMode.RUN, ev, self, false);
            fx.log("group " + groupNames[g] + " hands over to " + serverNames[next] + " (" + ev + ")");
        } else {
            // owner -1: the first member to appear takes it (pickUp: RUN with its owner gone)
            write(g, -1, GroupMode.RUN, r.startEvent, self, false);
            fx.log("group " + groupNames[g] + ": no other member to take it now; the next member to come takes it");
        }
    }

    private void write(final int g, final int owner, final GroupMode mode, final ArmsEvent event, final int lastStop,
                       final boolean failed) {
        final GroupRecord r = records[g];
        r.bump(self);
        r.owner = owner;
        r.mode = mode;
        r.startEvent = event;
        r.lastStop = lastStop;
        r.failed = failed;
        if (mode != GroupMode.RUN) {
            r.clearErrors();
        }
    }

    // ---------------------------------------------------------------- views

    /** This server's id. */
    public int self() {
        return self;
    }

    /** This server's own state. */
    public ServerState state() {
        return state;
    }

    /** This agent's incarnation (grows at every start; persisted). */
    public long incarnation() {
        return mem.incarnation;
    }

    /** How this server sees server {@code s}. */
    public PeerStatus status(final int s) {
        if (s == self) {
            return PeerStatus.of(state);
        }
        if (!peers.heard(s)) {
            return PeerStatus.UNKNOWN;
        }
        if (!peers.alive(s)) {
            return peers.diskAlive(s) ? PeerStatus.PARTITIONED : PeerStatus.DOWN;
        }
        return PeerStatus.of(peerState[s]);
    }

    /** The record of group {@code g} as this server knows it. */
    public GroupRecord record(final int g) {
        return records[g];
    }

    /** What server {@code s} is doing with group {@code g}, as last heard (OFFLINE for a down server). */
    public GroupExec exec(final int s, final int g) {
        if (s == self) {
            return runs[g].exec();
        }
        return peers.alive(s) ? peerExec[s][g] : GroupExec.OFFLINE;
    }

    /** The server where group {@code g} is online, as far as this server knows, or -1. */
    public int onlineAt(final int g) {
        for (int s = 0; s < servers; s++) {
            if (exec(s, g) == GroupExec.ONLINE) {
                return s;
            }
        }
        return -1;
    }

    /**
     * What the last holder probe of a takeover found here ("192.0.2.100 answered by 02:..."), while this server
     * waits to take group {@code g} over; else null.
     */
    public String waitingFor(final int g) {
        return runs[g].fencing ? runs[g].fenceDetail : null;
    }

    /** Why the last start of group {@code g} failed here (a resource, the start script), or null. */
    public String failure(final int g) {
        return runs[g].failure;
    }

    /**
     * Whether group {@code g} has settled as its record says: online on its owner, or offline everywhere
     * when it is not to run. Operations use it to answer when their effect is complete.
     */
    public boolean settled(final int g) {
        final GroupRecord r = records[g];
        if (r.mode == GroupMode.RUN) {
            return r.owner >= 0 && exec(r.owner, g) == GroupExec.ONLINE;
        }
        for (int s = 0; s < servers; s++) {
            if (exec(s, g) != GroupExec.OFFLINE) {
                return false;
            }
        }
        return true;
    }

    /** The priority (1 = primary) of server {@code s} in group {@code g}'s policy, or 0. */
    public int priority(final int g, final int s) {
        final int[] p = policy[g];
        for (int i = 0; i < p.length; i++) {
            if (p[i] == s) {
                return i + 1;
            }
        }
        return 0;
    }

    /** The persisted part, to save when {@link NodeEffects#persist()} asks. */
    public NodeMemory memory() {
        return mem;
    }

    /**
     * The earliest instant at which {@link #tick} has something to do (a peer turning suspect or timing out,
     * the start-up wait, a takeover's next holder probe).
     */
    public long nextDeadlineNs(final long nowNs) {
        long next = peers.nextExpiryNs(nowNs);
        if (state == ServerState.STARTING && syncDeadlineNs - next < 0) {
            next = syncDeadlineNs;
        }
        for (int g = 0; g < groups; g++) {
            final GroupRun r = runs[g];
            if (r.fencing && !r.probing && r.fenceNextNs - nowNs > 0 && r.fenceNextNs - next < 0) {
                next = r.fenceNextNs;
            }
            if (r.retryNs - nowNs > 0 && r.retryNs - next < 0) {
                next = r.retryNs;
            }
        }
        if (tiebreak && state == ServerState.NORMAL && !tiebreakAsked && tiebreakNextNs - nowNs > 0
            && tiebreakNextNs - next < 0) {
            next = tiebreakNextNs;
        }
        return next;
    }

    /** The limit of failovers caused by monitors, per group and server (default 8). */
    public void maxMonitorFailovers(final int limit) {
        this.maxMonitorFailovers = limit;
    }

    /** The number of servers. */
    public int servers() {
        return servers;
    }

    /** The number of groups. */
    public int groups() {
        return groups;
    }

    /** Server {@code s}'s name. */
    public String serverName(final int s) {
        return serverNames[s];
    }

    /** Group {@code g}'s name. */
    public String groupName(final int g) {
        return groupNames[g];
    }

    // ---------------------------------------------------------------- heartbeat payload

    /** Fills {@code out} with what this server publishes (its heartbeat payload), without allocating. */
    public void snapshot(final PeerSnapshot out) {
        out.sender = self;
        out.incarnation = mem.incarnation;
        out.state = state;
        out.groups = groups;
        out.servers = servers;
        for (int g = 0; g < groups; g++) {
            out.records[g].copyFrom(records[g]);
            out.exec[g] = runs[g].exec();
        }
        for (int o = 0; o < servers; o++) {
            out.ackSeq[o] = ackSeq[o];
            out.ackResult[o] = ackResult[o] == null ? OpResult.OK : ackResult[o];
            out.known[o] = o == self ? mem.incarnation : peers.heard(o) ? peers.incarnation(o) : 0;
        }
        int n = 0;
        if (!outgoing.isEmpty()) {
            // (an iterator only while operations are in flight: the heartbeat's steady state allocates nothing)
            for (final Cmd c : outgoing) {
                if (n == MAX_OUTSTANDING) {
                    break;
                }
                out.cmdSeq[n] = c.seq();
                out.cmdOp[n] = c.op().ordinal();
                out.cmdGroup[n] = c.group();
                out.cmdServer[n] = c.server();
                out.cmdExecutor[n] = c.executor();
                n++;
            }
        }
        out.commands = n;
    }
}
