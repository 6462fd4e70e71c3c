package armd.cluster;

import armd.config.ClusterConfig;
import armd.membership.PeerTable;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The decision core of one server: membership, the replicated group records, the failover-group state
 * machine and the operations, as SPEC.md sections 2 and 4 describe them. Pure: no I/O and no clock reads
 * (every input carries {@code nowNs}); effects go out through {@link NodeEffects}. The same class runs in
 * the agent and, many at once, in the deterministic simulation.
 *
 * <p>How a group moves: its {@link GroupRecord} names an owner. The owner starts it; when the owner stops
 * it (group stop, move, failover, shutdown, leave) the owner writes the next record only after its stop
 * script (and RECOVER run) finished, so the next owner never starts a group that is still stopping. When
 * an owner dies, the first member in the group's policy writes itself as owner (FAILOVER). Every record
 * write bumps its version; heartbeats carry all records and the newest wins.
 *
 * <p>Called only on the agent thread (or the simulation's single thread).
 */
public final class ClusterNode {
    /** Most groups a cluster can have (heartbeat payload size). */
    public static final int MAX_GROUPS = 48;
    /** Most operations one server has in flight. */
    public static final int MAX_OUTSTANDING = 8;

    /** What happens when a group's current script ends. */
    enum Then {
        NOTHING, ONLINE, HELD, SHUTDOWN, HANDOFF, MOVE, FAILOVER_RECOVER, FAILOVER_HANDOFF, RESTART_RECOVER,
        RESTART_START, RECOVER_ONLY
    }

    /** An operation in flight: issued here, or received from a peer. */
    static final class Cmd {
        final int seq;
        final Op op;
        final int group;
        final int server;
        final int executor;
        final long issuedNs;

        Cmd(final int seq, final Op op, final int group, final int server, final int executor, final long issuedNs) {
            this.seq = seq;
            this.op = op;
            this.group = group;
            this.server = server;
            this.executor = executor;
            this.issuedNs = issuedNs;
        }
    }

    private final int self;
    private final int servers;
    private final int groups;
    private final int[][] policy;
    private final String[] serverNames;
    private final String[] groupNames;
    private final long startupWaitNs;
    /** Default limit of failovers caused by monitors (SPEC.md section 3). */
    public static final int DEFAULT_MAX_MONITOR_FAILOVERS = 8;
    private int maxMonitorFailovers = DEFAULT_MAX_MONITOR_FAILOVERS;
    private final long operationTimeoutNs;
    private final boolean autoReturn;
    private final NodeEffects fx;
    private final PeerTable peers;
    private final NodeMemory mem;
    private final GroupRecord[] records;

    private ServerState state = ServerState.STARTING;
    private ServerState leavingTo;
    private StopFactor leavingFactor;
    private boolean crashed;
    private long syncDeadlineNs;
    private long pickupUntilNs;

    private final ServerState[] peerState;
    private final GroupExec[][] peerExec;
    private final GroupExec[] exec;
    private final Then[] then;
    /**
     * Per group: what a report made while its start script ran asks for (an application death, a resource
     * failure), done once the group is online; null when nothing is waiting.
     */
    private final Runnable[] whenOnline;
    private final int[] thenTarget;
    private final ArmsEvent[] startingEvent;

    private int nextSeq = 1;
    private final ArrayDeque<Cmd> outgoing = new ArrayDeque<>();
    private final int[] processedSeq;
    private final int[] ackSeq;
    private final OpResult[] ackResult;
    private final int[][] peerAckSeq;
    /** Per peer: its last heartbeat named servers or groups this configuration lacks (logged once). */
    private final boolean[] foreignLogged;
    private final OpResult[][] peerAckResult;

    /**
     * A node for server {@code self} of {@code config}, starting from {@code memory} (empty on a first
     * start) at {@code nowNs}.
     */
    public ClusterNode(final ClusterConfig config, final int self, final NodeMemory memory, final NodeEffects fx,
                       final long nowNs) {
        this.self = self;
        this.servers = config.servers().size();
        this.groups = config.groups().size();
        if (groups > MAX_GROUPS) {
            throw new IllegalArgumentException("at most " + MAX_GROUPS + " groups");
        }
        this.policy = new int[groups][];
        this.groupNames = new String[groups];
        for (int g = 0; g < groups; g++) {
            final ClusterConfig.Group grp = config.groups().get(g);
            policy[g] = grp.policy().stream().mapToInt(Integer::intValue).toArray();
            groupNames[g] = grp.name();
        }
        this.serverNames = new String[servers];
        for (int s = 0; s < servers; s++) {
            serverNames[s] = config.servers().get(s).name();
        }
        this.startupWaitNs = config.startupWaitMs() * 1_000_000L;
        this.operationTimeoutNs = Math.max(10_000_000_000L, startupWaitNs);
        this.autoReturn = config.autoReturn();
        this.maxMonitorFailovers = config.actions().maxFailovers();
        this.fx = fx;
        // a refused heartbeat port (the peer's agent is gone) plus three intervals of silence is enough
        this.peers = new PeerTable(servers, self, config.heartbeat().timeoutMs() * 1_000_000L,
            3L * config.heartbeat().intervalMs() * 1_000_000L);
        this.mem = memory;
        this.records = memory.records;
        this.peerState = new ServerState[servers];
        this.peerExec = new GroupExec[servers][groups];
        this.exec = new GroupExec[groups];
        this.then = new Then[groups];
        this.whenOnline = new Runnable[groups];
        this.thenTarget = new int[groups];
        this.startingEvent = new ArmsEvent[groups];
        for (int g = 0; g < groups; g++) {
            exec[g] = GroupExec.OFFLINE;
            then[g] = Then.NOTHING;
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
        this.crashed = memory.member;
        this.syncDeadlineNs = nowNs + startupWaitNs;
        fx.log("server " + serverNames[self] + " starting"
            + (crashed ? " after a crash (no clean shutdown was recorded)" : "")
            + (memory.isolated ? " isolated" : "") + "; waiting up to " + config.startupWaitMs()
            + " ms for the other servers");
    }

    // ---------------------------------------------------------------- inputs

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
                processedSeq[from] = 0;
                java.util.Arrays.fill(peerAckSeq[from], 0);
            }
            case BACK -> fx.log("server " + serverNames[from] + " is heard (" + hb.state + ")");
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

    /** Advances time: peers silent past the timeout go down, the start-up wait ends, groups are decided. */
    public void tick(final long nowNs) {
        int down;
        while ((down = peers.expire(nowNs)) >= 0) {
            fx.log("server " + serverNames[down] + " is down: silent on every heartbeat path for "
                + (nowNs - peers.newest(down)) / 1_000_000 + " ms");
        }
        if (state == ServerState.STARTING && (allHeard() || nowNs - syncDeadlineNs >= 0)) {
            finishSync(nowNs);
        }
        retire(nowNs);
        checkLeaving();
        decide(nowNs);
    }

    /** The script run for group {@code g} ended; {@code ok} is exit code 0 (and it ran). */
    public void onScriptDone(final int g, final boolean ok, final long nowNs) {
        switch (exec[g]) {
            case STARTING -> {
                final Runnable deferred = whenOnline[g];
                whenOnline[g] = null;
                if (then[g] == Then.ONLINE && ok) {
                    exec[g] = GroupExec.ONLINE;
                    mem.onlineHere[g] = true;
                    mem.lastStartEvent[g] = startingEvent[g];
                    mem.lastStartPriority[g] = priority(g, self);
                    fx.log("group " + groupNames[g] + " is online on " + serverNames[self] + " ("
                        + startingEvent[g] + ")");
                } else {
                    exec[g] = GroupExec.OFFLINE;
                    mem.onlineHere[g] = false;
                    write(g, -1, GroupMode.HELD, records[g].startEvent, records[g].lastStop, true);
                    fx.log("group " + groupNames[g] + ": start script failed on " + serverNames[self]
                        + " (activation failure); the group is stopped until 'armd group start "
                        + groupNames[g] + "'");
                }
                then[g] = Then.NOTHING;
                fx.persist();
                if (deferred != null && exec[g] == GroupExec.ONLINE) {
                    deferred.run();
                }
            }
            case STOPPING -> {
                exec[g] = GroupExec.OFFLINE;
                mem.onlineHere[g] = false;
                if (!ok) {
                    fx.log("group " + groupNames[g] + ": stop script failed on " + serverNames[self]
                        + "; continuing");
                }
                afterStop(g);
                fx.persist();
            }
            case RECOVERING -> {
                final Then t = then[g];
                then[g] = Then.NOTHING;
                exec[g] = GroupExec.OFFLINE;
                if (t == Then.FAILOVER_HANDOFF) {
                    final int chosen = thenTarget[g];
                    final int next = chosen >= 0 && chosen != self && status(chosen) == PeerStatus.NORMAL
                        ? chosen : firstMember(g, self);
                    if (next >= 0) {
                        write(g, next, GroupMode.RUN, ArmsEvent.FAILOVER, records[g].lastStop, false);
                        fx.log("group " + groupNames[g] + " fails over to " + serverNames[next]);
                    } else {
                        write(g, self, GroupMode.RUN, ArmsEvent.START, records[g].lastStop, false);
                        fx.log("group " + groupNames[g] + ": no other member to fail over to; restarting on "
                            + serverNames[self]);
                    }
                    fx.persist();
                } else if (t == Then.RESTART_START) {
                    startGroup(g, ArmsEvent.START, Then.ONLINE);
                }
            }
            default -> fx.log("group " + groupNames[g] + ": unexpected script end ignored");
        }
        checkLeaving();
        decide(nowNs);
    }

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
            default -> {
                final GroupRecord r = records[group];
                executor = r.owner;
                if (r.mode != GroupMode.RUN || r.owner < 0) {
                    early = OpResult.NOT_RUNNING;
                }
            }
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
        final int exe = op == Op.SERVER_SHUTDOWN || op == Op.SERVER_LEAVE || op == Op.SERVER_RETURN
            ? (server < 0 ? self : server) : executor;
        final Cmd cmd = new Cmd(seq, op, group, op.name().startsWith("SERVER") ? exe : server, exe, nowNs);
        outgoing.add(cmd);
        process(self, cmd, nowNs);
        return seq;
    }

    /**
     * The application that armload watches in group {@code g} died: restart in place (stop GROUPRESTART,
     * start RECOVER, start START) or fail over (stop GROUPFAILOVER, start RECOVER, start FAILOVER on the
     * next server); a failover with no other member restarts in place. Returns false when the group is not
     * online here.
     */
    public boolean onApplicationDied(final int g, final boolean failover) {
        if (exec[g] == GroupExec.STARTING && then[g] == Then.ONLINE) {
            // armload ran from the start script, which has not finished: act once the group is online
            if (whenOnline[g] == null) {
                // (a resource failure reported meanwhile decides instead)
                whenOnline[g] = () -> onApplicationDied(g, failover);
            }
            fx.log("group " + groupNames[g] + ": application died before its start script ended");
            return true;
        }
        if (exec[g] != GroupExec.ONLINE) {
            return false;
        }
        if (failover && firstMember(g, self) >= 0) {
            fx.log("group " + groupNames[g] + ": application died; failing over");
            stopGroup(g, StopFactor.GROUPFAILOVER, Then.FAILOVER_RECOVER, -1);
        } else {
            fx.log("group " + groupNames[g] + ": application died; restarting on " + serverNames[self]
                + (failover ? " (no other member to fail over to)" : ""));
            stopGroup(g, StopFactor.GROUPRESTART, Then.RESTART_RECOVER, -1);
        }
        return true;
    }

    /**
     * A monitor (or a resource's activation) of group {@code g} failed on this server: stop the group, or fail
     * it over to the server {@code destination} picks, unless no other server is healthy or this server's
     * failover counter for the group reached its limit (SPEC.md section 3). Returns what was decided, for
     * the log and for armrsp.
     */
    public OpResult resourceFailed(final int g, final String name, final FailureAction action,
                                   final Destination destination, final String reason) {
        final String what = "group " + groupNames[g] + ": " + name + " failed (" + reason + ")";
        if (exec[g] == GroupExec.STARTING && then[g] == Then.ONLINE) {
            // a resource failed while the group starts (a floating IP's activation): act once it is online
            whenOnline[g] = () -> resourceFailed(g, name, action, destination, reason);
            fx.log(what + " while the group starts; acting when its start script has ended");
            return OpResult.OK;
        }
        if (records[g].owner != self || exec[g] != GroupExec.ONLINE) {
            fx.log(what + "; the group is not online here: nothing to do");
            return OpResult.NOT_RUNNING;
        }
        records[g].noteError(self);
        if (action == FailureAction.STOP) {
            fx.log(what + "; stopping the group");
            stopGroup(g, StopFactor.GROUPSTOP, Then.HELD, -1);
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
        stopGroup(g, StopFactor.GROUPFAILOVER, Then.FAILOVER_RECOVER, target);
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

    /** The limit of failovers caused by monitors, per group and server (default 8). */
    public void maxMonitorFailovers(final int limit) {
        this.maxMonitorFailovers = limit;
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

    // ---------------------------------------------------------------- decisions

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
            // a start (not a return after a crash) resets the monitors' failover counters (SPEC.md section 3)
            java.util.Arrays.fill(mem.monitorFailovers, 0);
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

    private void doReturn(final long nowNs) {
        for (int g = 0; g < groups; g++) {
            if (mem.onlineHere[g] && exec[g] == GroupExec.OFFLINE) {
                mem.onlineHere[g] = false;
                then[g] = Then.RECOVER_ONLY;
                runStart(g, ArmsEvent.RECOVER, GroupExec.RECOVERING);
            }
        }
        becomeNormal(nowNs);
    }

    private void decide(final long nowNs) {
        if (state != ServerState.NORMAL) {
            return;
        }
        for (int g = 0; g < groups; g++) {
            final GroupRecord r = records[g];
            if (exec[g] != GroupExec.OFFLINE) {
                if (exec[g] == GroupExec.ONLINE && (r.mode != GroupMode.RUN || r.owner != self)) {
                    fx.log("group " + groupNames[g] + " is online here but the cluster's newer record gives it to "
                        + (r.owner >= 0 ? serverNames[r.owner] : "nobody") + " (" + r.mode
                        + "): stopping it here (split brain resolved)");
                    stopGroup(g, StopFactor.GROUPFAILOVER, Then.NOTHING, -1);
                }
                continue;
            }
            switch (r.mode) {
                case RUN -> {
                    if (r.owner == self) {
                        startGroup(g, r.startEvent, Then.ONLINE);
                    } else if (ownerGone(r.owner) && firstMember(g, r.owner) == self) {
                        // a dead owner: FAILOVER; no owner (handed over when no member was left): as at a start
                        final ArmsEvent ev = r.owner >= 0 ? ArmsEvent.FAILOVER : eventFor(g, self);
                        fx.log("group " + groupNames[g] + (r.owner >= 0 ? ": its server " + serverNames[r.owner]
                            + " is " + status(r.owner) + "; failing over to " : ": taken by ") + serverNames[self]);
                        write(g, self, GroupMode.RUN, ev, r.lastStop, false);
                        fx.persist();
                        startGroup(g, ev, Then.ONLINE);
                    }
                }
                case NONE, SHUTDOWN -> {
                    if (nowNs - pickupUntilNs < 0 && firstCandidate(g) == self) {
                        final ArmsEvent ev = eventFor(g, self);
                        write(g, self, GroupMode.RUN, ev, r.lastStop, false);
                        fx.persist();
                        startGroup(g, ev, Then.ONLINE);
                    }
                }
                case HELD -> {
                    // an operator stopped it, or its start failed: only "group start" brings it back
                }
            }
        }
    }

    /** Whether a group's owner can no longer run it: gone, or in a state that runs no group. */
    private boolean ownerGone(final int owner) {
        if (owner < 0 || owner >= servers) {
            return true;
        }
        final PeerStatus st = status(owner);
        return st != PeerStatus.NORMAL && st != PeerStatus.STOPPING;
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
     * START when {@code target} has the same or a higher priority than where the group ran at the last
     * shutdown or stop, FAILOVER when lower (SPEC.md section 4, ARMS_EVENT).
     */
    private ArmsEvent eventFor(final int g, final int target) {
        final int last = records[g].lastStop;
        final int lastPriority = last < 0 ? 0 : priority(g, last);
        if (lastPriority == 0) {
            return ArmsEvent.START;
        }
        return priority(g, target) <= lastPriority ? ArmsEvent.START : ArmsEvent.FAILOVER;
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

    private void startGroup(final int g, final ArmsEvent event, final Then next) {
        then[g] = next;
        runStart(g, event, GroupExec.STARTING);
    }

    private void runStart(final int g, final ArmsEvent event, final GroupExec as) {
        exec[g] = as;
        if (as == GroupExec.STARTING && !mem.onlineHere[g]) {
            // a crash from here on may leave part of the group running: the return after it runs RECOVER
            mem.onlineHere[g] = true;
            fx.persist();
        }
        startingEvent[g] = event;
        final int prio = priority(g, self);
        fx.runScript(new ScriptRun(g, false, event, prio == 1, prio, null, true));
    }

    private void stopGroup(final int g, final StopFactor factor, final Then next, final int target) {
        exec[g] = GroupExec.STOPPING;
        then[g] = next;
        thenTarget[g] = target;
        final ArmsEvent ev = mem.lastStartEvent[g] == null ? ArmsEvent.START : mem.lastStartEvent[g];
        final int prio = mem.lastStartPriority[g] == 0 ? priority(g, self) : mem.lastStartPriority[g];
        fx.runScript(new ScriptRun(g, true, ev, prio == 1, prio, factor, true));
    }

    private void afterStop(final int g) {
        final Then t = then[g];
        then[g] = Then.NOTHING;
        final GroupRecord r = records[g];
        switch (t) {
            case HELD -> write(g, -1, GroupMode.HELD, r.startEvent, self, false);
            case SHUTDOWN -> write(g, -1, GroupMode.SHUTDOWN, r.startEvent, self, false);
            case HANDOFF -> handOff(g);
            case MOVE -> {
                write(g, thenTarget[g], GroupMode.RUN, ArmsEvent.START, r.lastStop, false);
                fx.log("group " + groupNames[g] + " moves to " + serverNames[thenTarget[g]]);
            }
            case FAILOVER_RECOVER -> {
                then[g] = Then.FAILOVER_HANDOFF;
                runStart(g, ArmsEvent.RECOVER, GroupExec.RECOVERING);
            }
            case RESTART_RECOVER -> {
                then[g] = Then.RESTART_START;
                runStart(g, ArmsEvent.RECOVER, GroupExec.RECOVERING);
            }
            default -> {
                // a split-brain stop: the newer record already says where the group runs
            }
        }
    }

    /** After a server shutdown or leave: the group goes to the next member, or waits for a cluster start. */
    private void handOff(final int g) {
        final GroupRecord r = records[g];
        r.lastStop = self;
        final int next = firstMember(g, self);
        if (next >= 0) {
            final ArmsEvent ev = eventFor(g, next);
            write(g, next, GroupMode.RUN, ev, self, false);
            fx.log("group " + groupNames[g] + " hands over to " + serverNames[next] + " (" + ev + ")");
        } else {
            // owner -1: the first member to appear takes it (decide(): RUN with its owner gone)
            write(g, -1, GroupMode.RUN, r.startEvent, self, false);
            fx.log("group " + groupNames[g] + ": no other member to take it now; the next member to come takes it");
        }
    }

    private void startLeaving(final StopFactor factor, final ServerState to) {
        state = ServerState.STOPPING;
        leavingTo = to;
        leavingFactor = factor;
        fx.log("server " + serverNames[self] + " is stopping its groups (" + factor + ")");
        checkLeaving();
    }

    private void checkLeaving() {
        if (state != ServerState.STOPPING) {
            return;
        }
        final Then after = leavingFactor == StopFactor.CLUSTERSHUTDOWN ? Then.SHUTDOWN : Then.HANDOFF;
        boolean busy = false;
        for (int g = 0; g < groups; g++) {
            if (exec[g] == GroupExec.ONLINE) {
                stopGroup(g, leavingFactor, after, -1);
            }
            if (exec[g] != GroupExec.OFFLINE) {
                busy = true;
            } else if (records[g].mode == GroupMode.RUN && records[g].owner == self) {
                // handed to us but not started yet: pass it on without scripts
                if (after == Then.SHUTDOWN) {
                    write(g, -1, GroupMode.SHUTDOWN, records[g].startEvent, self, false);
                } else {
                    handOff(g);
                }
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

    // ---------------------------------------------------------------- operations

    private void process(final int origin, final Cmd cmd, final long nowNs) {
        if (!cmd.op.broadcast() && cmd.executor != self) {
            return;
        }
        final OpResult result = execute(cmd, nowNs);
        ackSeq[origin] = cmd.seq;
        ackResult[origin] = result;
        final String who = origin == self ? "" : " (asked by " + serverNames[origin] + ")";
        fx.log("operation " + describe(cmd) + who + ": " + result.text());
    }

    private String describe(final Cmd cmd) {
        final StringBuilder sb = new StringBuilder(cmd.op.name().toLowerCase().replace('_', ' '));
        if (cmd.group >= 0 && cmd.group < groups) {
            sb.append(' ').append(groupNames[cmd.group]);
        }
        if (cmd.server >= 0 && cmd.server < servers) {
            sb.append(' ').append(serverNames[cmd.server]);
        }
        return sb.toString();
    }

    private OpResult execute(final Cmd cmd, final long nowNs) {
        final int g = cmd.group;
        final boolean groupOp = cmd.op.name().startsWith("GROUP");
        if (groupOp && (g < 0 || g >= groups)) {
            return OpResult.UNKNOWN_GROUP;
        }
        switch (cmd.op) {
            case CLUSTER_START -> {
                if (state == ServerState.STOPPED) {
                    state = ServerState.STARTING;
                    syncDeadlineNs = nowNs + startupWaitNs;
                    crashed = false;
                    fx.log("server " + serverNames[self] + " starting (cluster start)");
                    return OpResult.OK;
                }
                return state == ServerState.ISOLATED ? OpResult.BAD_STATE : OpResult.OK;
            }
            case CLUSTER_SHUTDOWN -> {
                if (state == ServerState.NORMAL || state == ServerState.STARTING) {
                    startLeaving(StopFactor.CLUSTERSHUTDOWN, ServerState.STOPPED);
                }
                return OpResult.OK;
            }
            case SERVER_SHUTDOWN -> {
                if (state == ServerState.NORMAL || state == ServerState.STARTING) {
                    startLeaving(StopFactor.SERVERSHUTDOWN, ServerState.STOPPED);
                    return OpResult.OK;
                }
                return state == ServerState.STOPPED ? OpResult.OK : OpResult.BAD_STATE;
            }
            case SERVER_LEAVE -> {
                if (state == ServerState.NORMAL) {
                    startLeaving(StopFactor.CLUSTERLEAVE, ServerState.ISOLATED);
                    return OpResult.OK;
                }
                return state == ServerState.ISOLATED ? OpResult.OK : OpResult.BAD_STATE;
            }
            case SERVER_RETURN -> {
                if (state == ServerState.ISOLATED || state == ServerState.STOPPED) {
                    fx.log("server " + serverNames[self] + " returns to the cluster");
                    doReturn(nowNs);
                    return OpResult.OK;
                }
                return state == ServerState.NORMAL ? OpResult.OK : OpResult.BAD_STATE;
            }
            case GROUP_START -> {
                if (state != ServerState.NORMAL) {
                    return OpResult.NOT_MEMBER;
                }
                if (priority(g, self) == 0) {
                    return OpResult.NOT_IN_POLICY;
                }
                if (exec[g] != GroupExec.OFFLINE || records[g].mode == GroupMode.RUN) {
                    return OpResult.ALREADY_RUNNING;
                }
                final ArmsEvent ev = eventFor(g, self);
                write(g, self, GroupMode.RUN, ev, records[g].lastStop, false);
                mem.monitorFailovers[g] = 0;
                fx.persist();
                startGroup(g, ev, Then.ONLINE);
                return OpResult.OK;
            }
            case GROUP_STOP, GROUP_MOVE, GROUP_FAILOVER -> {
                final GroupRecord r = records[g];
                if (r.mode != GroupMode.RUN || r.owner != self) {
                    return OpResult.NOT_RUNNING;
                }
                if (exec[g] != GroupExec.ONLINE) {
                    return OpResult.BUSY;
                }
                if (cmd.op == Op.GROUP_STOP) {
                    stopGroup(g, StopFactor.GROUPSTOP, Then.HELD, -1);
                } else if (cmd.op == Op.GROUP_MOVE) {
                    final int t = cmd.server;
                    if (t < 0 || t >= servers) {
                        return OpResult.UNKNOWN_SERVER;
                    }
                    if (t == self) {
                        return OpResult.OK;
                    }
                    if (priority(g, t) == 0) {
                        return OpResult.NOT_IN_POLICY;
                    }
                    if (status(t) != PeerStatus.NORMAL) {
                        return OpResult.NOT_MEMBER;
                    }
                    stopGroup(g, StopFactor.GROUPMOVE, Then.MOVE, t);
                } else {
                    if (firstMember(g, self) < 0) {
                        return OpResult.NO_TARGET;
                    }
                    stopGroup(g, StopFactor.GROUPFAILOVER, Then.FAILOVER_RECOVER, -1);
                }
                return OpResult.OK;
            }
            default -> {
                return OpResult.BAD_STATE;
            }
        }
    }

    private void retire(final long nowNs) {
        if (outgoing.isEmpty()) {
            return;
        }
        final Iterator<Cmd> it = outgoing.iterator();
        while (it.hasNext()) {
            final Cmd c = it.next();
            OpResult done = null;
            if (c.op.broadcast()) {
                boolean all = true;
                for (int s = 0; s < servers; s++) {
                    if (s != self && peers.alive(s) && peerAckSeq[s][self] < c.seq) {
                        all = false;
                    }
                }
                if (all) {
                    done = ackResult[self] == null ? OpResult.OK : ackResult[self];
                }
            } else if (c.executor == self) {
                done = ackResult[self] == null ? OpResult.OK : ackSeq[self] == c.seq ? ackResult[self] : OpResult.OK;
            } else if (c.executor >= 0 && peerAckSeq[c.executor][self] >= c.seq) {
                final OpResult r = peerAckResult[c.executor][self];
                done = peerAckSeq[c.executor][self] == c.seq && r != null ? r : OpResult.OK;
            } else if (c.executor < 0 || !peers.alive(c.executor)) {
                done = OpResult.UNREACHABLE;
            }
            if (done == null && nowNs - c.issuedNs > operationTimeoutNs) {
                done = OpResult.UNREACHABLE;
            }
            if (done != null) {
                it.remove();
                fx.operationDone(c.seq, done);
            }
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

    /** How this server sees server {@code s}. */
    public PeerStatus status(final int s) {
        if (s == self) {
            return PeerStatus.of(state);
        }
        if (!peers.heard(s)) {
            return PeerStatus.UNKNOWN;
        }
        if (!peers.alive(s)) {
            return PeerStatus.DOWN;
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
            return exec[g];
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

    /** The earliest instant at which {@link #tick} has something to do (a peer timeout or the start-up wait). */
    public long nextDeadlineNs(final long nowNs) {
        long next = peers.nextExpiryNs(nowNs);
        if (state == ServerState.STARTING && syncDeadlineNs - next < 0) {
            next = syncDeadlineNs;
        }
        return next;
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
    public void snapshot(final PeerSnapshot out, final long incarnation) {
        out.sender = self;
        out.incarnation = incarnation;
        out.state = state;
        out.groups = groups;
        out.servers = servers;
        for (int g = 0; g < groups; g++) {
            out.records[g].copyFrom(records[g]);
            out.exec[g] = exec[g];
        }
        for (int o = 0; o < servers; o++) {
            out.ackSeq[o] = ackSeq[o];
            out.ackResult[o] = ackResult[o] == null ? OpResult.OK : ackResult[o];
        }
        int n = 0;
        if (!outgoing.isEmpty()) {
            // (an iterator only while operations are in flight: the heartbeat's steady state allocates nothing)
            for (final Cmd c : outgoing) {
                if (n == MAX_OUTSTANDING) {
                    break;
                }
                out.cmdSeq[n] = c.seq;
                out.cmdOp[n] = c.op.ordinal();
                out.cmdGroup[n] = c.group;
                out.cmdServer[n] = c.server;
                out.cmdExecutor[n] = c.executor;
                n++;
            }
        }
        out.commands = n;
    }
}
