package armd.sim;

import armd.cluster.ClusterNode;
import armd.cluster.NodeEffects;
import armd.cluster.NodeMemory;
import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.cluster.PeerSnapshot;
import armd.cluster.ScriptRun;
import armd.cluster.StatePayload;
import armd.config.ClusterConfig;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A deterministic simulation of a cluster: N real {@link ClusterNode}s in one thread, a virtual clock, and
 * a simulated heartbeat network that can lose, delay, duplicate and partition. Scripts take a virtual
 * duration and succeed unless told otherwise. Crashes discard a node; a restart rebuilds it from its
 * persisted memory (through the state store's map form), with a new incarnation.
 */
public final class Sim {
    /** One script run as a test sees it. */
    public record Run(long atNs, String server, ScriptRun run, String group) {
        /** The run as a transitions.tsv-like line: server script group EVENT SERVER PRIORITY FACTOR. */
        public String line() {
            return server + " " + run.script() + " " + group + " " + run.event() + " "
                + (run.home() ? "HOME" : "OTHER") + " " + run.priority() + " "
                + (run.factor() == null ? "-" : run.factor().name());
        }
    }

    private final ClusterConfig config;
    private final int n;
    private final Random random;
    private long nowNs;
    private long seqNo;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Node[] nodes;
    private final boolean[][] cut;
    private final List<Run> runs = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    /** Probability that one heartbeat delivery is lost. */
    public double loss;
    /** Probability that a delivered heartbeat is delivered twice. */
    public double duplicate;
    /** Extra random delivery delay, up to this many ns (reorders). */
    public long jitterNs;
    /** How long every script runs. */
    public long scriptNs = 50_000_000L;
    /** Scripts that fail: "server:script:group" keys. */
    public final java.util.Set<String> failingScripts = new java.util.HashSet<>();
    private final long intervalNs;
    private final long latencyNs = 200_000L;

    private record Event(long atNs, long order, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(final Event o) {
            return atNs != o.atNs ? Long.compare(atNs, o.atNs) : Long.compare(order, o.order);
        }
    }

    private final class Node implements NodeEffects {
        final int id;
        ClusterNode core;
        NodeMemory saved;
        long incarnation;
        boolean up;
        int generation;
        final PeerSnapshot out = new PeerSnapshot();
        final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
        final Map<Integer, OpResult> results = new HashMap<>();

        Node(final int id) {
            this.id = id;
        }

        @Override
        public void runScript(final ScriptRun run) {
            final String server = config.servers().get(id).name();
            final String group = config.groups().get(run.group()).name();
            runs.add(new Run(nowNs, server, run, group));
            final boolean ok = !failingScripts.contains(server + ":" + run.script() + ":" + group);
            final int gen = generation;
            at(nowNs + scriptNs, () -> {
                if (up && generation == gen) {
                    core.onScriptDone(run.group(), ok, nowNs);
                }
            });
        }

        @Override
        public void persist() {
            final String[] names = groupNames();
            saved = NodeMemory.fromMap(core.memory().toMap(names), names);
        }

        @Override
        public void log(final String line) {
            log.add(String.format("%8.3f %s: %s", nowNs / 1e9, config.servers().get(id).name(), line));
        }

        @Override
        public void operationDone(final int seq, final OpResult result) {
            results.put(seq, result);
        }

        void boot() {
            up = true;
            generation++;
            incarnation = nowNs + 1;
            final NodeMemory mem = saved == null ? new NodeMemory(config.groups().size()) : copy(saved);
            core = new ClusterNode(config.topology(), id, mem, this, nowNs);
            final int gen = generation;
            at(nowNs, () -> beat(gen));
        }

        void beat(final int gen) {
            if (!up || generation != gen) {
                return;
            }
            core.tick(nowNs);
            core.snapshot(out, incarnation);
            buf.clear();
            final int len = StatePayload.encode(out, buf);
            final byte[] bytes = new byte[len];
            buf.flip();
            buf.get(bytes);
            for (int peer = 0; peer < n; peer++) {
                if (peer != id) {
                    send(id, peer, bytes, incarnation);
                }
            }
            at(nowNs + intervalNs, () -> beat(gen));
        }
    }

    /** A simulation of {@code config} with a seeded random source. Nothing runs until {@link #boot}. */
    public Sim(final ClusterConfig config, final long seed) {
        this.config = config;
        this.n = config.servers().size();
        this.random = new Random(seed);
        this.nodes = new Node[n];
        this.cut = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            nodes[i] = new Node(i);
        }
        this.intervalNs = config.heartbeat().intervalMs() * 1_000_000L;
    }

    private String[] groupNames() {
        return config.groups().stream().map(ClusterConfig.Group::name).toArray(String[]::new);
    }

    private NodeMemory copy(final NodeMemory m) {
        final String[] names = groupNames();
        return NodeMemory.fromMap(m.toMap(names), names);
    }

    private void at(final long atNs, final Runnable action) {
        queue.add(new Event(atNs, seqNo++, action));
    }

    private void send(final int from, final int to, final byte[] payload, final long incarnation) {
        if (cut[from][to] || random.nextDouble() < loss) {
            return;
        }
        final int copies = random.nextDouble() < duplicate ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            final long delay = latencyNs + (jitterNs > 0 ? (long) (random.nextDouble() * jitterNs) : 0);
            at(nowNs + delay, () -> {
                final Node dst = nodes[to];
                if (!dst.up || cut[from][to]) {
                    return;
                }
                final PeerSnapshot snap = new PeerSnapshot();
                snap.header(from, incarnation);
                if (StatePayload.decode(ByteBuffer.wrap(payload), payload.length, snap)) {
                    dst.core.onHeartbeat(snap, 0, nowNs);
                }
            });
        }
    }

    /** The server id named {@code name}. */
    public int id(final String name) {
        return config.server(name).orElseThrow().id();
    }

    /** The group id named {@code name}. */
    public int group(final String name) {
        return config.group(name).orElseThrow().id();
    }

    /** Starts (or restarts after a crash) the agent of server {@code name}. */
    public void boot(final String name) {
        nodes[id(name)].boot();
    }

    /** Starts every agent at the same instant. */
    public void bootAll() {
        for (final Node node : nodes) {
            node.boot();
        }
    }

    /** kill -9 of server {@code name}'s agent: scripts in flight are lost with it. */
    public void crash(final String name) {
        final Node node = nodes[id(name)];
        node.up = false;
        node.generation++;
    }

    /** Whether server {@code name}'s agent is running. */
    public boolean up(final String name) {
        return nodes[id(name)].up;
    }

    /** Cuts (or heals) the network between two servers, both directions. */
    public void partition(final String a, final String b, final boolean cutLink) {
        cut[id(a)][id(b)] = cutLink;
        cut[id(b)][id(a)] = cutLink;
    }

    /** Heals every partition. */
    public void healAll() {
        for (final boolean[] row : cut) {
            java.util.Arrays.fill(row, false);
        }
    }

    /** Whether servers i and j can hear each other (both up, not cut). */
    public boolean connected(final int i, final int j) {
        return nodes[i].up && nodes[j].up && !cut[i][j] && !cut[j][i];
    }

    /** Issues {@code op} at server {@code at}; returns its sequence number there. */
    public int op(final String at, final Op op, final String group, final String server) {
        final Node node = nodes[id(at)];
        return node.core.submit(op, group == null ? -1 : group(group), server == null ? -1 : id(server), nowNs);
    }

    /** The result of operation {@code seq} issued at {@code at}, or null while in flight. */
    public OpResult result(final String at, final int seq) {
        return nodes[id(at)].results.get(seq);
    }

    /** armload found group {@code group}'s application dead on {@code at}. */
    public boolean applicationDied(final String at, final String group, final boolean failover) {
        return nodes[id(at)].core.onApplicationDied(group(group), failover);
    }

    /** Runs the simulation for {@code durationNs} of virtual time. */
    public void run(final long durationNs) {
        final long end = nowNs + durationNs;
        while (!queue.isEmpty() && queue.peek().atNs <= end) {
            final Event e = queue.poll();
            nowNs = e.atNs;
            e.action.run();
        }
        nowNs = end;
    }

    /** Runs for {@code ms} milliseconds of virtual time. */
    public void runMs(final long ms) {
        run(ms * 1_000_000L);
    }

    /** The node of server {@code name} (null while crashed). */
    public ClusterNode node(final String name) {
        final Node node = nodes[id(name)];
        return node.up ? node.core : null;
    }

    /** The node of server {@code i} (null while crashed). */
    public ClusterNode node(final int i) {
        return nodes[i].up ? nodes[i].core : null;
    }

    /** Every script run so far. */
    public List<Run> runs() {
        return runs;
    }

    /** Every log line so far. */
    public List<String> log() {
        return log;
    }

    /** Virtual now. */
    public long nowNs() {
        return nowNs;
    }

    /** The configuration. */
    public ClusterConfig config() {
        return config;
    }

    /** Number of servers. */
    public int size() {
        return n;
    }

    /** The random source (seeded). */
    public Random random() {
        return random;
    }
}
