package armd.agent;

import armd.base.AgentLog;
import armd.action.ScriptLauncher;
import armd.action.ResourceEvents;

import armd.cluster.ClusterNode;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.cluster.GroupExec;
import armd.cluster.GroupRecord;
import armd.cluster.NodeEffects;
import armd.cluster.NodeMemory;
import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.cluster.PeerSnapshot;
import armd.cluster.ScriptRun;
import armd.cluster.ServerState;
import armd.cluster.StatePayload;
import armd.status.ClusterStatus;
import armd.status.StatusJson;
import armd.status.StatusText;
import armd.config.ClusterConfig;
import armd.heartbeat.DiskHeartbeat;
import armd.heartbeat.HeartbeatStats;
import armd.wire.HeartbeatFrame;
import armd.probe.Tiebreak;
import armd.sys.EventFd;
import armd.sys.Sched;
import armd.sys.Poller;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * The agent of one server: one thread runs the {@link ClusterNode} duty cycle (drain heartbeats, run queued
 * tasks, tick, publish) and sleeps in poll(2) until a heartbeat arrives, another thread queues work, or the
 * node's next deadline (a peer's timeout) comes. Heartbeats are sent by the link's own thread, so a slow
 * cycle never delays them. Scripts run in their own processes; their completion is queued back here.
 *
 * <p>Thread-safety: {@link #execute}, {@link #operation}, {@link #status} and {@link #stop} may be called
 * from any thread; everything else runs on the agent thread.
 */
public final class ClusterAgent implements NodeEffects, ResourceEvents, DiskHeartbeat.Listener, AutoCloseable {
    private static final long MAX_SLEEP_NS = 100_000_000L;
    /** SCHED_FIFO priority of the agent loop: below the heartbeat sender (50) and the resource workers (40). */
    static final int LOOP_PRIORITY = 30;
    /** Turns in a row without sleeping after which the loop sleeps a millisecond anyway. */
    private static final int MAX_BUSY_TURNS = 1000;

    private final ClusterConfig config;
    private final int self;
    private final HeartbeatLink link;
    private final ScriptLauncher scripts;
    private final SaveGate saves;
    private final Consumer<ScriptRun> launcher = this::launch;
    private final AgentLog log;
    private final ClusterNode node;
    private final EventFd wakeup = new EventFd();
    private final Poller poller;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PeerSnapshot inbound = new PeerSnapshot();
    private final PeerSnapshot outbound = new PeerSnapshot();
    private final ByteBuffer payload = ByteBuffer.allocate(StatePayload.MAX_SIZE);
    private final ByteBuffer published = ByteBuffer.allocate(StatePayload.MAX_SIZE);
    private final Map<Integer, Consumer<OpResult>> pendingOps = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final HeartbeatLink.PayloadSink sink = new HeartbeatLink.PayloadSink() {
        @Override
        public void onPayload(final int sender, final long inc, final int path, final ByteBuffer buf, final long rxNs) {
            ClusterAgent.this.onPayload(sender, inc, path, buf, rxNs);
        }

        @Override
        public void onRefused(final int sender, final long nowNs) {
            node.onRefused(sender, nowNs);
        }

        @Override
        public void onGone(final int sender, final long inc, final long rxNs) {
            node.onGone(sender, inc, rxNs);
        }
    };
    private volatile boolean running = true;
    /** The disk heartbeat path, or null; set before run(). */
    private DiskHeartbeat disk;
    /** The ping tiebreak, or null; set before run(). */
    private Tiebreak tiebreak;
    /** What the disk path last carried: server state ordinal and held groups (-1: nothing yet). */
    private int diskState = -1;
    private long diskHeld;
    /** Called at every turn of the loop with its clock (watchdog, detection latencies); set before run(). */
    private LongConsumer turnHook = nowNs -> { };
    /** Completes the status with what other parts know (paths, resources, monitors); set before run(). */
    private UnaryOperator<ClusterStatus> statusDetails = UnaryOperator.identity();

    private record Waiter(BooleanSupplier done, long deadlineNs, Consumer<Boolean> then) {
    }

    /**
     * An agent for server {@code self}, starting from {@code memory} (loaded from {@code store}, its incarnation
     * already advanced and saved for this start: the link's heartbeats carry it). Nothing runs until
     * {@link #run()}.
     */
    public ClusterAgent(final ClusterConfig config, final int self, final HeartbeatLink link,
                        final ScriptLauncher scripts, final MemoryStore store, final NodeMemory memory,
                        final AgentLog log) {
        this.config = config;
        this.self = self;
        this.link = link;
        this.scripts = scripts;
        this.saves = new SaveGate(store, log);
        this.log = log;
        final int[] linkFds = link.fds();
        final int[] all = new int[linkFds.length + 1];
        all[0] = wakeup.fd();
        System.arraycopy(linkFds, 0, all, 1, linkFds.length);
        this.poller = new Poller(all);
        this.node = new ClusterNode(config.topology(), self, memory, this, System.nanoTime());
    }

    /** The agent thread's loop; returns after {@link #stop()}. */
    public void run() {
        // decisions (a takeover, the start it allows) must not queue behind ordinary work on a loaded machine: the
        // loop runs at SCHED_FIFO below the heartbeat sender and the resource workers (refused: normal priority)
        Sched.setFifo(LOOP_PRIORITY);
        int busyTurns = 0;
        while (running) {
            final long now = System.nanoTime();
            turnHook.accept(now);
            link.drain(sink);
            Runnable t;
            while ((t = tasks.poll()) != null) {
                t.run();
            }
            // time as of the drain, and only as far as the heartbeats have been read: a peer's silence is measured
            // by what it sent, not by how long this thread then spent on tasks or a state file's fsync
            node.tick(Math.min(now, link.drainedThroughNs()));
            saves.retry(System.nanoTime(), node.memory(), launcher);
            checkWaiters(System.nanoTime());
            publish();
            final long wait = Math.min(node.nextDeadlineNs(now) - System.nanoTime(), MAX_SLEEP_NS);
            if (wait > 0) {
                busyTurns = 0;
                poller.poll((int) ((wait + 999_999) / 1_000_000));
            } else if (++busyTurns > MAX_BUSY_TURNS) {
                // a deadline that stays in the past is a bug, but a real-time thread must not spin on it
                busyTurns = 0;
                poller.poll(1);
            }
            wakeup.drain();
        }
    }

    private void onPayload(final int sender, final long inc, final int path, final ByteBuffer buf, final long rxNs) {
        inbound.header(sender, inc);
        if (StatePayload.decode(buf, buf.remaining(), inbound)) {
            node.onHeartbeat(inbound, path, rxNs);
        }
    }

    /**
     * The partition tiebreak's observers: the disk heartbeat path (its beats carry this server's state and held
     * groups; it reports the peers' beats here) and the ping tiebreak; either may be null. Call before run().
     */
    public void partitionTiebreak(final DiskHeartbeat diskPath, final Tiebreak ping) {
        this.disk = diskPath;
        this.tiebreak = ping;
    }

    @Override
    public void onDiskBeat(final int peer, final long inc, final int serverState, final long heldGroups,
                           final long readNs) {
        final ServerState st = ServerState.of(serverState);
        if (st != null) {
            execute(() -> node.onDiskBeat(peer, inc, st, heldGroups, readNs));
        }
    }

    @Override
    public void onDiskPath(final boolean working, final String reason, final long nowNs) {
        execute(() -> node.onDiskPath(working, reason, System.nanoTime()));
    }

    @Override
    public void checkTiebreak() {
        if (tiebreak != null) {
            tiebreak.check(r -> execute(() -> node.onTiebreak(r.reachable(), r.detail(), System.nanoTime())));
        }
    }

    /** Encodes the node's state; hands it to the link only when it changed (the link repeats it). */
    private void publish() {
        if (disk != null) {
            final int st = node.state().ordinal();
            final long held = node.heldGroups();
            if (st != diskState || held != diskHeld) {
                diskState = st;
                diskHeld = held;
                disk.publish(st, held);
            }
        }
        node.snapshot(outbound);
        payload.clear();
        StatePayload.encode(outbound, payload);
        payload.flip();
        if (!payload.equals(published)) {
            published.clear();
            published.put(payload);
            published.flip();
            payload.rewind();
            link.publish(payload);
        }
    }

    private void checkWaiters(final long nowNs) {
        if (waiters.isEmpty()) {
            return;
        }
        final Iterator<Waiter> it = waiters.iterator();
        while (it.hasNext()) {
            final Waiter w = it.next();
            if (w.done.getAsBoolean()) {
                it.remove();
                w.then.accept(true);
            } else if (nowNs - w.deadlineNs > 0) {
                it.remove();
                w.then.accept(false);
            }
        }
    }

    /**
     * Runs {@code hook} on the agent thread at the start of every turn of the loop, with the loop's clock (at
     * least every 100 ms): the service manager's watchdog, the detection latencies. It must not block or allocate.
     * Call before run().
     */
    public void onTurn(final LongConsumer hook) {
        this.turnHook = hook;
    }

    /** Runs {@code task} on the agent thread soon; thread-safe. */
    public void execute(final Runnable task) {
        tasks.add(task);
        wakeup.signal();
    }

    /** Asks the loop to end; thread-safe. */
    public void stop() {
        running = false;
        wakeup.signal();
    }

    /**
     * Issues an operation from this server; {@code done} gets the result once the operation's effect is
     * complete (groups settled, server state reached) or could not be; thread-safe. The text is one line.
     */
    public void operation(final Op op, final int group, final int server, final Consumer<String> done,
                          final Consumer<String> failed) {
        execute(() -> {
            final int seq = node.submit(op, group, server, System.nanoTime());
            final OpResult early = earlyResults.remove(seq);
            final Consumer<OpResult> onResult = r -> {
                if (r != OpResult.OK) {
                    failed.accept(r.text());
                    return;
                }
                final long deadline = System.nanoTime() + settleTimeoutNs();
                waiters.add(new Waiter(() -> effectComplete(op, group, server), deadline, ok -> {
                    if (ok) {
                        done.accept(describe(op, group, server) + ": done");
                    } else {
                        failed.accept(describe(op, group, server) + ": accepted, but not complete after "
                            + settleTimeoutNs() / 1_000_000_000L + " s (see the log and 'armd status')");
                    }
                }));
            };
            if (early != null) {
                onResult.accept(early);
            } else {
                pendingOps.put(seq, onResult);
            }
        });
    }

    private final Map<Integer, OpResult> earlyResults = new HashMap<>();

    /** "group move GROUP" without a destination: to the next member in its policy; thread-safe. */
    public void moveToNext(final int group, final Consumer<String> done, final Consumer<String> failed) {
        execute(() -> {
            final int target = node.nextMember(group);
            if (target < 0) {
                failed.accept(OpResult.NO_TARGET.text());
            } else {
                operation(Op.GROUP_MOVE, group, target, done, failed);
            }
        });
    }

    private long settleTimeoutNs() {
        long max = 0;
        for (final ClusterConfig.Group g : config.groups()) {
            max = Math.max(max, g.scriptTimeoutMs());
        }
        return (3 * max + config.startupWaitMs() + 5_000L) * 1_000_000L;
    }

    private boolean effectComplete(final Op op, final int group, final int server) {
        return switch (op) {
            case GROUP_START, GROUP_STOP, GROUP_MOVE, GROUP_FAILOVER -> node.settled(group);
            case CLUSTER_SHUTDOWN -> {
                for (int s = 0; s < node.servers(); s++) {
                    final var st = node.status(s);
                    if (st == armd.cluster.PeerStatus.NORMAL || st == armd.cluster.PeerStatus.STOPPING
                        || st == armd.cluster.PeerStatus.STARTING) {
                        yield false;
                    }
                }
                yield true;
            }
            case CLUSTER_START -> {
                for (int g = 0; g < node.groups(); g++) {
                    if (!node.settled(g)) {
                        yield false;
                    }
                }
                yield node.state() == ServerState.NORMAL;
            }
            case SERVER_SHUTDOWN, SERVER_LEAVE -> {
                final var st = node.status(server < 0 ? self : server);
                yield st != armd.cluster.PeerStatus.NORMAL && st != armd.cluster.PeerStatus.STOPPING;
            }
            case SERVER_RETURN -> node.status(server < 0 ? self : server) == armd.cluster.PeerStatus.NORMAL;
        };
    }

    private String describe(final Op op, final int group, final int server) {
        final StringBuilder sb = new StringBuilder(op.name().toLowerCase().replace('_', ' '));
        if (group >= 0) {
            sb.append(' ').append(node.groupName(group));
        }
        if (server >= 0) {
            sb.append(' ').append(node.serverName(server));
        }
        return sb.toString();
    }

    /** armload's application in group {@code g} died; thread-safe. */
    public void applicationDied(final int g, final boolean failover) {
        execute(() -> node.onApplicationDied(g, failover));
    }

    @Override
    public void failed(final int group, final String name, final FailureAction action, final Destination destination,
                       final String reason) {
        execute(() -> node.resourceFailed(group, name, action, destination, reason));
    }

    @Override
    public void normalAgain(final int group, final String name) {
        execute(() -> node.resourceNormal(group, name));
    }

    /** A status snapshot (text or one JSON object), taken on the agent thread; thread-safe. */
    public CompletableFuture<String> status(final boolean json) {
        return snapshot().thenApply(json ? StatusJson::render : StatusText::render);
    }

    /** Adds what the agent does not know itself (paths, resources, monitors, transitions); call before run(). */
    public void statusDetails(final UnaryOperator<ClusterStatus> details) {
        this.statusDetails = details;
    }

    /** The status as records, taken on the agent thread (with the details added there too); thread-safe. */
    public CompletableFuture<ClusterStatus> snapshot() {
        final CompletableFuture<ClusterStatus> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(statusDetails.apply(coreStatus()));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private ClusterStatus coreStatus() {
        final List<ClusterStatus.Server> servers = new ArrayList<>();
        for (int s = 0; s < node.servers(); s++) {
            servers.add(new ClusterStatus.Server(node.serverName(s), node.status(s).name().toLowerCase(), s == self,
                List.of()));
        }
        final List<ClusterStatus.Group> groups = new ArrayList<>();
        for (int g = 0; g < node.groups(); g++) {
            final int at = node.onlineAt(g);
            final GroupRecord r = node.record(g);
            groups.add(new ClusterStatus.Group(node.groupName(g), groupState(g), at >= 0 ? node.serverName(at) : null,
                r.owner() >= 0 ? node.serverName(r.owner()) : null, r.mode() == armd.cluster.GroupMode.RUN, 0,
                node.memory().monitorFailovers(g), config.actions().maxFailovers(), List.of(), List.of(),
                groupNote(g)));
        }
        return new ClusterStatus(config.name(), node.serverName(self), node.state().name().toLowerCase(),
            System.currentTimeMillis(), servers, groups, List.of(), List.of(), List.of(), heartbeats(link.stats()));
    }

    /** The status's view of {@code stats} (summed over the paths). */
    static ClusterStatus.Heartbeats heartbeats(final HeartbeatStats stats) {
        final Map<String, Long> dropped = new LinkedHashMap<>();
        for (final HeartbeatFrame.Result r : HeartbeatFrame.Result.values()) {
            if (r != HeartbeatFrame.Result.OK) {
                dropped.put(r.name().toLowerCase(Locale.ROOT), stats.count(r));
            }
        }
        long accepted = 0;
        long kernel = 0;
        long rx = 0;
        long tx = 0;
        for (int p = 0; p < stats.paths(); p++) {
            accepted += stats.accepted(p);
            kernel += stats.kernelDropped(p);
            rx += stats.receiveErrors(p);
            tx += stats.sendErrors(p);
        }
        return new ClusterStatus.Heartbeats(accepted, dropped, kernel, rx, tx);
    }

    /** Why a group is not where its record says, seen from here (a waiting takeover, a failed start), or null. */
    private String groupNote(final int g) {
        final String waiting = node.waitingFor(g);
        if (waiting != null) {
            return "takeover waits: " + waiting;
        }
        final String failure = node.failure(g);
        if (failure != null) {
            return node.serverName(self) + ": " + failure;
        }
        return saves.unsaved() && saves.held() > 0 ? "state of " + node.serverName(self)
            + " cannot be saved (see its log): " + saves.held() + " start(s) there wait for it" : null;
    }

    private String groupState(final int g) {
        for (int s = 0; s < node.servers(); s++) {
            final GroupExec e = node.exec(s, g);
            if (e != GroupExec.OFFLINE && e != GroupExec.ONLINE) {
                return e.name().toLowerCase();
            }
        }
        if (node.onlineAt(g) >= 0) {
            return "online";
        }
        final GroupRecord r = node.record(g);
        return r.failed() ? "failed" : switch (r.mode()) {
            case HELD -> "stopped";
            case SHUTDOWN, NONE -> "offline";
            case RUN -> "pending";
        };
    }

    /**
     * Whether no group is active here (every one offline): after {@link #run()} returned, whether the agent
     * stopped cleanly and its guardian has nothing to release. Call on the thread that ran the loop.
     */
    public boolean holdsNothing() {
        for (int g = 0; g < node.groups(); g++) {
            if (node.exec(self, g) != GroupExec.OFFLINE) {
                return false;
            }
        }
        return true;
    }

    /** The decision core (agent thread only: tests and the status path). */
    ClusterNode node() {
        return node;
    }

    // ---------------------------------------------------------------- NodeEffects (agent thread)

    @Override
    public void runScript(final ScriptRun run) {
        if (saves.admit(run, node.groupName(run.group()))) {
            launch(run);
        }
    }

    private void launch(final ScriptRun run) {
        scripts.launch(run, (outcome, reason) -> execute(() -> node.onScriptDone(run.group(), outcome, reason,
            System.nanoTime())));
    }

    @Override
    public void probeHolder(final int g) {
        scripts.probeHolders(g, (free, detail) -> execute(() -> node.onHolderProbe(g, free, detail,
            System.nanoTime())));
    }

    @Override
    public void reassert(final int g) {
        scripts.reassert(g);
    }

    @Override
    public void newIncarnation(final long incarnation) {
        link.incarnation(incarnation);
        if (disk != null) {
            disk.incarnation(incarnation);
        }
    }

    @Override
    public void persist() {
        saves.save(node.memory(), System.nanoTime());
    }

    @Override
    public void log(final String line) {
        log.line(line);
    }

    @Override
    public void operationDone(final int seq, final OpResult result) {
        final Consumer<OpResult> c = pendingOps.remove(seq);
        if (c != null) {
            c.accept(result);
        } else {
            earlyResults.put(seq, result);
        }
    }

    @Override
    public void close() {
        stop();
        wakeup.close();
    }
}
