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
import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.cluster.PeerSnapshot;
import armd.cluster.ScriptRun;
import armd.cluster.ServerState;
import armd.cluster.StatePayload;
import armd.base.Json;
import armd.config.ClusterConfig;
import armd.sys.EventFd;
import armd.sys.Poller;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The agent of one server: one thread runs the {@link ClusterNode} duty cycle (drain heartbeats, run queued
 * tasks, tick, publish) and sleeps in poll(2) until a heartbeat arrives, another thread queues work, or the
 * node's next deadline (a peer's timeout) comes. Heartbeats are sent by the link's own thread, so a slow
 * cycle never delays them. Scripts run in their own processes; their completion is queued back here.
 *
 * <p>Thread-safety: {@link #execute}, {@link #operation}, {@link #status} and {@link #stop} may be called
 * from any thread; everything else runs on the agent thread.
 */
public final class ClusterAgent implements NodeEffects, ResourceEvents, AutoCloseable {
    private static final long MAX_SLEEP_NS = 100_000_000L;

    private final ClusterConfig config;
    private final int self;
    private final HeartbeatLink link;
    private final ScriptLauncher scripts;
    private final SaveGate saves;
    private final Consumer<ScriptRun> launcher = this::launch;
    private final AgentLog log;
    private final ClusterNode node;
    private final long incarnation;
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
    };
    private volatile boolean running = true;

    private record Waiter(BooleanSupplier done, long deadlineNs, Consumer<Boolean> then) {
    }

    /**
     * An agent for server {@code self}; {@code incarnation} must grow across restarts (e.g. the boot
     * realtime in ns). Nothing runs until {@link #run()}.
     */
    public ClusterAgent(final ClusterConfig config, final int self, final long incarnation, final HeartbeatLink link,
                        final ScriptLauncher scripts, final MemoryStore store, final AgentLog log) {
        this.config = config;
        this.self = self;
        this.incarnation = incarnation;
        this.link = link;
        this.scripts = scripts;
        this.saves = new SaveGate(store, log);
        this.log = log;
        final int[] linkFds = link.fds();
        final int[] all = new int[linkFds.length + 1];
        all[0] = wakeup.fd();
        System.arraycopy(linkFds, 0, all, 1, linkFds.length);
        this.poller = new Poller(all);
        this.node = new ClusterNode(config.topology(), self, store.load(), this, System.nanoTime());
    }

    /** The agent thread's loop; returns after {@link #stop()}. */
    public void run() {
        while (running) {
            final long now = System.nanoTime();
            link.drain(sink);
            Runnable t;
            while ((t = tasks.poll()) != null) {
                t.run();
            }
            // silence is judged only as far as the heartbeats have been read (a cut-off drain reads on next cycle)
            node.tick(Math.min(System.nanoTime(), link.drainedThroughNs()));
            saves.retry(System.nanoTime(), node.memory(), launcher);
            checkWaiters(System.nanoTime());
            publish();
            final long wait = Math.min(node.nextDeadlineNs(now) - System.nanoTime(), MAX_SLEEP_NS);
            if (wait > 0) {
                poller.poll((int) ((wait + 999_999) / 1_000_000));
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

    /** Encodes the node's state; hands it to the link only when it changed (the link repeats it). */
    private void publish() {
        node.snapshot(outbound, incarnation);
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
        final CompletableFuture<String> f = new CompletableFuture<>();
        execute(() -> f.complete(json ? statusJson() : statusText()));
        return f;
    }

    private String statusText() {
        final StringBuilder sb = new StringBuilder();
        sb.append("cluster ").append(config.name()).append(" (seen from ").append(node.serverName(self)).append(")\n");
        sb.append("servers:\n");
        for (int s = 0; s < node.servers(); s++) {
            sb.append(String.format("  %-16s %s%n", node.serverName(s), node.status(s)));
        }
        sb.append("groups:\n");
        for (int g = 0; g < node.groups(); g++) {
            final GroupRecord r = node.record(g);
            final int at = node.onlineAt(g);
            sb.append(String.format("  %-16s %-8s %s%n", node.groupName(g), groupState(g),
                at >= 0 ? "on " + node.serverName(at) : r.mode() == armd.cluster.GroupMode.RUN && r.owner() >= 0
                    ? "to " + node.serverName(r.owner()) : "-"));
        }
        final List<String> counted = new ArrayList<>();
        for (int g = 0; g < node.groups(); g++) {
            final int n = node.memory().monitorFailovers(g);
            if (n > 0) {
                counted.add(node.groupName(g) + " " + n + "/" + config.actions().maxFailovers());
            }
        }
        if (!counted.isEmpty()) {
            sb.append("monitor failovers from ").append(node.serverName(self)).append(": ")
                .append(String.join(", ", counted)).append('\n');
        }
        if (saves.unsaved()) {
            sb.append("state of ").append(node.serverName(self)).append(" cannot be saved (see the log): ")
                .append(saves.held()).append(" group start(s) here wait for it\n");
        }
        return sb.toString();
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

    private String statusJson() {
        final List<String> servers = new ArrayList<>();
        for (int s = 0; s < node.servers(); s++) {
            servers.add(new Json().put("name", node.serverName(s)).put("state", node.status(s).name().toLowerCase())
                .toString());
        }
        final List<String> groups = new ArrayList<>();
        for (int g = 0; g < node.groups(); g++) {
            final int at = node.onlineAt(g);
            final GroupRecord r = node.record(g);
            groups.add(new Json().put("name", node.groupName(g)).put("state", groupState(g))
                .put("server", at >= 0 ? node.serverName(at) : null)
                .put("owner", r.owner() >= 0 ? node.serverName(r.owner()) : null).toString());
        }
        return new Json().put("cluster", config.name()).put("server", node.serverName(self))
            .put("state", node.state().name().toLowerCase()).putRaw("servers", Json.array(servers))
            .putRaw("groups", Json.array(groups)).putRaw("heartbeats", link.stats().toJson()).toString();
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
        scripts.launch(run, ok -> execute(() -> node.onScriptDone(run.group(), ok, System.nanoTime())));
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
