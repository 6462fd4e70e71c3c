package armd.sim;

import armd.cluster.ArmsEvent;
import armd.cluster.ClusterNode;
import armd.cluster.NodeEffects;
import armd.cluster.NodeMemory;
import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.cluster.PeerSnapshot;
import armd.cluster.RunOutcome;
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
 * persisted memory (through the state store's map form), with the next incarnation.
 *
 * <p>The data plane is modelled apart from the heartbeats: each group with a floating address has a set of
 * servers whose interface holds it (added when a start activates it, removed after a stop script), and a probe
 * from one server is answered when another holder is reachable on the data plane. Heartbeats and data can be
 * cut separately (a heartbeat-only cut, or a whole isolation). A crash leaves the address held (the host's
 * kernel still answers) unless the guardian is on, which releases it at once and tells the peers "gone".
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
    private final boolean[][] dataCut;
    /** Per server and group: when its last holder probe found the group's address free (0: not recently). */
    private final long[][] probedFreeAt;
    /** Per server: it can read and write the shared disk (the disk heartbeat path works there). */
    private final boolean[] disk;
    /** Per server: it reaches the tiebreak's targets (the outside). */
    private final boolean[] outside;
    /** Per group with a floating address: which servers' interfaces hold it; null for groups without one. */
    private final boolean[][] holds;
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
    /** How long a holder probe takes. */
    public long probeNs = 8_000_000L;
    /** A crashed agent's guardian releases its addresses and says "gone" (else the addresses stay). */
    public boolean guardian;
    /** How long after the crash the guardian releases and says "gone" (its wake-up, the netlink calls). */
    public long guardianDelayMs;
    /** The disk heartbeat path's timeout (0: no disk path); set before booting. */
    public long diskTimeoutMs;
    /** A ping tiebreak is configured; set before booting. */
    public boolean tiebreak;
    /** Scripts that fail: "server:script:group" keys. */
    public final java.util.Set<String> failingScripts = new java.util.HashSet<>();
    /** Takeovers started while another server still held the address and the taker could reach it. */
    private final List<String> blindTakeovers = new ArrayList<>();
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
        boolean up;
        int generation;
        final PeerSnapshot out = new PeerSnapshot();
        final PeerSnapshot in = new PeerSnapshot();
        final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
        final Map<Integer, OpResult> results = new HashMap<>();

        Node(final int id) {
            this.id = id;
        }

        String name() {
            return config.servers().get(id).name();
        }

        @Override
        public void runScript(final ScriptRun run) {
            final String server = name();
            final String group = config.groups().get(run.group()).name();
            final int gen = generation;
            final int g = run.group();
            if (!run.stop() && run.event() != ArmsEvent.RECOVER && holds[g] != null) {
                // the floating IP is activated before the start script; never online without it. As the real
                // activation, it skips its own conflict probe when a takeover's holder probe found it free just now
                final int other = reachableHolder(id, g);
                final boolean fresh = run.checked() && probedFreeAt[id][g] != 0
                    && nowNs - probedFreeAt[id][g] < 500_000_000L;
                probedFreeAt[id][g] = 0;
                if (other >= 0 && !fresh) {
                    at(nowNs + probeNs, () -> {
                        if (up && generation == gen) {
                            core.onScriptDone(g, RunOutcome.CONFLICT, group + "-ip answered by "
                                + config.servers().get(other).name(), nowNs);
                        }
                    });
                    return;
                }
                if (other >= 0) {
                    blindTakeovers.add(String.format("%.3f %s added %s's address while %s held it and answered",
                        nowNs / 1e9, server, group, config.servers().get(other).name()));
                }
                holds[g][id] = true;
            }
            runs.add(new Run(nowNs, server, run, group));
            final boolean ok = !failingScripts.contains(server + ":" + run.script() + ":" + group);
            at(nowNs + scriptNs, () -> {
                if (up && generation == gen) {
                    if (run.stop() && holds[g] != null) {
                        holds[g][id] = false;
                    }
                    core.onScriptDone(g, ok ? RunOutcome.OK : RunOutcome.FAILED, ok ? null : "script failed", nowNs);
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
            log.add(String.format("%8.3f %s: %s", nowNs / 1e9, name(), line));
        }

        @Override
        public void operationDone(final int seq, final OpResult result) {
            results.put(seq, result);
        }

        @Override
        public void probeHolder(final int g) {
            final int gen = generation;
            // an answer to the probes sent first counts, even when the holder lets go before the wait ends
            final int early = holds[g] == null ? -1 : reachableHolder(id, g);
            at(nowNs + probeNs, () -> {
                if (up && generation == gen) {
                    final int other = early >= 0 ? early : holds[g] == null ? -1 : reachableHolder(id, g);
                    if (other < 0) {
                        probedFreeAt[id][g] = nowNs;
                    }
                    core.onHolderProbe(g, other < 0, other < 0 ? null
                        : config.groups().get(g).name() + "-ip answered by " + config.servers().get(other).name(), nowNs);
                }
            });
        }

        @Override
        public void reassert(final int g) {
            if (holds[g] != null) {
                holds[g][id] = true;
            }
        }

        @Override
        public void checkTiebreak() {
            final int gen = generation;
            at(nowNs + 50_000_000L, () -> {
                if (up && generation == gen) {
                    core.onTiebreak(outside[id], outside[id] ? "a target answered" : "no target answered", nowNs);
                }
            });
        }

        /** Whether this node's disk path was working at its last beat (to report changes once). */
        boolean diskSeen;

        @Override
        public void newIncarnation(final long incarnation) {
            // the simulated sender reads the node's incarnation at every beat
        }

        void boot() {
            up = true;
            generation++;
            // a starting agent first removes stale addresses of its own (what a crash left on its interfaces)
            for (final boolean[] h : holds) {
                if (h != null) {
                    h[id] = false;
                }
            }
            final NodeMemory mem = saved == null ? new NodeMemory(config.groups().size()) : copy(saved);
            mem.nextIncarnation();
            final armd.cluster.Topology t = config.topology();
            core = new ClusterNode(new armd.cluster.Topology(t.servers(), t.groups(), t.startupWaitMs(), t.autoReturn(),
                t.maxMonitorFailovers(), t.intervalMs(), t.timeoutMs(), t.suspectMs(), diskTimeoutMs, tiebreak), id, mem,
                this, nowNs);
            diskSeen = true;
            persist();
            final int gen = generation;
            at(nowNs, () -> beat(gen));
        }

        void beat(final int gen) {
            if (!up || generation != gen) {
                return;
            }
            core.tick(nowNs);
            if (diskTimeoutMs > 0) {
                if (disk[id] != diskSeen) {
                    diskSeen = disk[id];
                    core.onDiskPath(disk[id], disk[id] ? "" : "I/O error", nowNs);
                }
                if (disk[id]) {
                    final long held = core.heldGroups();
                    final armd.cluster.ServerState st = core.state();
                    final long inc = core.incarnation();
                    for (int peer = 0; peer < n; peer++) {
                        final Node reader = nodes[peer];
                        if (peer != id && reader.up && disk[peer]) {
                            reader.core.onDiskBeat(id, inc, st, held, nowNs);
                        }
                    }
                }
            }
            core.snapshot(out);
            buf.clear();
            final int len = StatePayload.encode(out, buf);
            final byte[] bytes = new byte[len];
            buf.flip();
            buf.get(bytes);
            for (int peer = 0; peer < n; peer++) {
                if (peer != id) {
                    send(id, peer, bytes, core.incarnation());
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
        this.dataCut = new boolean[n][n];
        this.disk = new boolean[n];
        this.probedFreeAt = new long[n][config.groups().size()];
        this.outside = new boolean[n];
        java.util.Arrays.fill(disk, true);
        java.util.Arrays.fill(outside, true);
        for (int i = 0; i < n; i++) {
            nodes[i] = new Node(i);
        }
        this.holds = new boolean[config.groups().size()][];
        for (int g = 0; g < holds.length; g++) {
            if (config.groups().get(g).resources().stream().anyMatch(r -> r instanceof ClusterConfig.FloatingIp)) {
                holds[g] = new boolean[n];
            }
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

    /** A server other than {@code from} that holds group g's address and that {@code from} reaches, or -1. */
    private int reachableHolder(final int from, final int g) {
        for (int s = 0; s < n; s++) {
            if (s != from && holds[g][s] && !dataCut[from][s] && !dataCut[s][from]) {
                return s;
            }
        }
        return -1;
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
                // one snapshot per receiver, reused: delivery is immediate and the node copies what it keeps
                final PeerSnapshot snap = dst.in;
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

    /**
     * kill -9 of server {@code name}'s agent: scripts in flight are lost with it. With the guardian on, its
     * addresses are released at once and every peer it can reach hears "gone"; without, they stay.
     */
    public void crash(final String name) {
        final Node node = nodes[id(name)];
        node.up = false;
        node.generation++;
        if (guardian) {
            final long inc = node.core.incarnation();
            final int generation = node.generation;
            if (guardianDelayMs == 0) {
                guardianActs(node, inc);
            } else {
                at(nowNs + guardianDelayMs * 1_000_000L, () -> {
                    if (node.generation == generation && !node.up) {
                        guardianActs(node, inc);
                    }
                });
            }
        }
    }

    /** The guardian of {@code node}'s dead agent (incarnation {@code inc}): releases, then tells the peers. */
    private void guardianActs(final Node node, final long inc) {
        for (final boolean[] h : holds) {
            if (h != null) {
                h[node.id] = false;
            }
        }
        for (int peer = 0; peer < n; peer++) {
            final int to = peer;
            if (to != node.id && !cut[node.id][to]) {
                at(nowNs + latencyNs, () -> {
                    if (nodes[to].up) {
                        nodes[to].core.onGone(node.id, inc, nowNs);
                    }
                });
            }
        }
    }

    /** The host of server {@code name} dies (power, panic): its agent and its addresses are gone, nothing said. */
    public void powerOff(final String name) {
        final Node node = nodes[id(name)];
        node.up = false;
        node.generation++;
        for (final boolean[] h : holds) {
            if (h != null) {
                h[node.id] = false;
            }
        }
    }

    /** The host of server {@code name} restarts (a reboot): its addresses are gone, its agent starts. */
    public void reboot(final String name) {
        final Node node = nodes[id(name)];
        if (node.up) {
            node.up = false;
            node.generation++;
        }
        for (final boolean[] h : holds) {
            if (h != null) {
                h[node.id] = false;
            }
        }
        node.boot();
    }

    /** Whether server {@code name}'s agent is running. */
    public boolean up(final String name) {
        return nodes[id(name)].up;
    }

    /** Cuts (or heals) the heartbeats between two servers, both directions; their data plane stays. */
    public void partition(final String a, final String b, final boolean cutLink) {
        cut[id(a)][id(b)] = cutLink;
        cut[id(b)][id(a)] = cutLink;
    }

    /** Cuts (or heals) everything between two servers, heartbeats and data, both directions. */
    public void isolate(final String a, final String b, final boolean cutLink) {
        partition(a, b, cutLink);
        dataCut[id(a)][id(b)] = cutLink;
        dataCut[id(b)][id(a)] = cutLink;
    }

    /** Cuts (or heals) heartbeats from {@code a} to {@code b} only. */
    public void oneWay(final String a, final String b, final boolean cutLink) {
        cut[id(a)][id(b)] = cutLink;
    }

    /** Heals every partition, the disk paths and the tiebreak. */
    public void healAll() {
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(cut[i], false);
            java.util.Arrays.fill(dataCut[i], false);
        }
        java.util.Arrays.fill(disk, true);
        java.util.Arrays.fill(outside, true);
    }

    /** Server {@code name}'s disk heartbeat path fails ({@code false}) or works again. */
    public void disk(final String name, final boolean works) {
        disk[id(name)] = works;
    }

    /** Server {@code name} reaches the tiebreak's targets, or not. */
    public void outside(final String name, final boolean reaches) {
        outside[id(name)] = reaches;
    }

    /**
     * Cuts server {@code name} off every network (heartbeats, data, the tiebreak's targets), or heals that; its
     * disk path stays as it is.
     */
    public void cutOff(final String name, final boolean off) {
        for (int s = 0; s < n; s++) {
            if (s != id(name)) {
                isolate(name, config.servers().get(s).name(), off);
            }
        }
        outside[id(name)] = !off;
    }

    /** Whether server i reaches the shared disk. */
    public boolean diskWorks(final int i) {
        return disk[i];
    }

    /** Whether servers i and j can hear each other (both up, not cut). */
    public boolean connected(final int i, final int j) {
        return nodes[i].up && nodes[j].up && !cut[i][j] && !cut[j][i];
    }

    /** Whether servers i and j reach each other's addresses (data plane, either direction). */
    public boolean dataConnected(final int i, final int j) {
        return !dataCut[i][j] && !dataCut[j][i];
    }

    /** Which servers' interfaces hold group g's floating address (null: the group has none). */
    public boolean[] holders(final int g) {
        return holds[g] == null ? null : holds[g].clone();
    }

    /** Addresses added while another server held them and answered the adder (must stay empty). */
    public List<String> blindTakeovers() {
        return blindTakeovers;
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
