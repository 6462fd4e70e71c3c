package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.config.ClusterKey;
import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlStatus;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Test fixture: a real cluster of armd agents, one process per server, each in its own network namespace,
 * all joined by a bridge (192.0.2.0/24, heartbeats by multicast on 239.192.0.1). Every group's start and
 * stop script appends one line per run to a shared record file:
 * {@code server script group ARMS_EVENT ARMS_SERVER ARMS_PRIORITY ARMS_FACTOR ARMS_DISK}.
 * Groups are the guide's: A (server1, server2, ...), B (server2, server1, ...), C (server1, server2, ...).
 * {@link #close()} kills every agent it started (by PID) and removes namespaces and files.
 */
public final class AgentCluster implements AutoCloseable {
    private final Netns net;
    private final int servers;
    private final Path dir;
    private final Path config;
    private final Path record;
    private final String[] namespaces;
    private final Process[] agents;
    private final boolean autoReturn;
    /** Per group: the scripts the recording scripts hand over to (exec), else none. */
    private final Map<String, Path[]> chained = new HashMap<>();
    /** The directory of the arm* commands given to the agents (PATH of their scripts), or null. */
    private Path commandDir;
    /** The armd launcher the agents run from (an installed or unpacked package), or null: this JVM's classes. */
    private Path launcher;
    /** Environment variables added to every agent started from now on. */
    private final Map<String, String> environment = new HashMap<>();

    /**
     * Heartbeat settings of the cluster.
     *
     * @param intervalMs heartbeat interval
     * @param timeoutMs  heartbeat timeout
     * @param multicast  multicast (else unicast to every peer)
     */
    public record Heartbeat(int intervalMs, int timeoutMs, boolean multicast) {
        /**
         * Settings with room for a loaded test machine: 20 ms, 1500 ms, multicast. At 600 ms an agent starting at a
         * load of 16 on 2 cores (its JVM stopped at a safepoint, sender thread included) went 654 ms without a
         * heartbeat and was declared down; a kill -9 is found by the crash probe in three intervals either way.
         */
        public static final Heartbeat TESTS = new Heartbeat(20, 1500, true);
    }

    private final Heartbeat heartbeat;

    /** Makes the namespaces, key, configuration and scripts; starts no agent. */
    public AgentCluster(final String tag, final int servers, final boolean autoReturn) throws IOException {
        this(tag, servers, autoReturn, Heartbeat.TESTS);
    }

    /** Makes the namespaces, key, configuration and scripts, with {@code heartbeat}; starts no agent. */
    public AgentCluster(final String tag, final int servers, final boolean autoReturn, final Heartbeat heartbeat)
        throws IOException {
        this.heartbeat = heartbeat;
        this.autoReturn = autoReturn;
        this.servers = servers;
        this.net = new Netns(tag);
        this.namespaces = new String[servers];
        this.agents = new Process[servers];
        this.dir = Files.createTempDirectory("armd-it-");
        boolean ok = false;
        try {
            hub = net.namespace("hub");
            net.bridge(hub, "br0");
            for (int i = 0; i < servers; i++) {
                namespaces[i] = net.namespace("s" + (i + 1));
                net.veth(namespaces[i], "eth0", hub, "p" + (i + 1));
                net.attach(hub, "p" + (i + 1), "br0");
                net.address(namespaces[i], "eth0", address(i) + "/24");
            }
            this.record = dir.resolve("record");
            Files.writeString(record, "");
            final Path key = dir.resolve("armd.key");
            Files.writeString(key, ClusterKey.format(ClusterKey.generate()), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            script("start");
            script("stop");
            this.config = dir.resolve("armd.conf");
            Files.writeString(config, configText(autoReturn));
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    /** Server i's address (0-based). */
    public static String address(final int i) {
        return "192.0.2." + (11 + i);
    }

    private void script(final String which) throws IOException {
        script(dir.resolve(which + ".sh"), which, null);
    }

    /** A recording script at {@code s}; it then execs {@code then} (with the same environment) when not null. */
    private void script(final Path s, final String which, final Path then) throws IOException {
        Files.writeString(s, "#!/bin/sh\n"
            + "ns=$(ip netns identify $$)\n"
            + "echo \"${ns#" + net.prefix() + "s} " + which
            + " $ARMS_GROUPNAME $ARMS_EVENT $ARMS_SERVER $ARMS_PRIORITY ${ARMS_FACTOR:--} $ARMS_DISK\" >> "
            + record + "\n"
            // a closed gate holds every script after its record (bounded: 20 s), so runs meant to be concurrent are
            + "i=0; while [ -e " + dir.resolve("gate") + " ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\n"
            + (then == null ? "echo \"" + which + " $ARMS_GROUPNAME $ARMS_EVENT\"\n" : "exec " + then + "\n"));
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * Closes ({@code true}) or opens the gate: while it is closed every script, once it has written its record,
     * waits (at most 20 s), so the test can see runs that are to happen together start before any ends.
     */
    public void gate(final boolean closed) throws IOException {
        if (closed) {
            Files.writeString(dir.resolve("gate"), "");
        } else {
            Files.deleteIfExists(dir.resolve("gate"));
        }
    }

    /**
     * Gives {@code group} its own start and stop scripts (call before starting agents): each run is recorded as
     * for every group, then the script is exec'd with the same environment, and its exit code is the run's.
     */
    public void chain(final String group, final Path start, final Path stop) throws IOException {
        script(dir.resolve(group + "-start.sh"), "start", start);
        script(dir.resolve(group + "-stop.sh"), "stop", stop);
        chained.put(group, new Path[] {start, stop});
        Files.writeString(config, configText(autoReturn));
    }

    /**
     * Adds {@code text} (more sections: resources, monitors) to the configuration, after what the fixture writes;
     * call before starting agents.
     */
    public void extraConfig(final String text) throws IOException {
        this.extra = extra + text + "\n";
        Files.writeString(config, configText(autoReturn));
    }

    /** Server {@code at}'s agent's status text; fails the test when it does not answer OK. */
    public String status(final int at) throws IOException {
        final ControlClient.Reply r = new ControlClient(socket(at), 30_000).call(new ControlRequest.Status(false));
        assertEquals(ControlStatus.OK, r.status(), r.text());
        return r.text();
    }

    /**
     * Where group {@code group} is online as server {@code at}'s agent reports it ("server2"), or "-" when it is
     * online nowhere or the agent does not answer.
     */
    public String onlineOn(final int at, final String group) {
        try {
            final Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(group) + "\\s+online\\s+on (\\S+)$")
                .matcher(status(at));
            return m.find() ? m.group(1) : "-";
        } catch (IOException | RuntimeException | AssertionError e) {
            return "-";
        }
    }

    /**
     * Where each of groups A, B, C is online as server {@code at}'s agent reports it, e.g.
     * "A=server1 B=server2 C=server1" ("-" for a group online nowhere or an agent that does not answer).
     */
    public String placement(final int at) {
        final StringBuilder sb = new StringBuilder();
        for (final String g : List.of("A", "B", "C")) {
            sb.append(g).append('=').append(onlineOn(at, g)).append(' ');
        }
        return sb.toString().trim();
    }

    /**
     * Waits until the cluster has settled: every running agent reports the same servers and groups (so each
     * peer has every group's latest record) and no group is starting or stopping. A test calls this before it
     * injects a fault whose expected outcome assumes the state is replicated (a kill -9 right after a start
     * script ran would otherwise find peers that never heard of that start).
     */
    public void awaitSettled(final int timeoutS) throws Exception {
        final String[] last = {""};
        final BooleanSupplier settled = () -> {
            String first = null;
            for (int i = 0; i < servers; i++) {
                if (!running(i)) {
                    continue;
                }
                final String view;
                try {
                    view = settledView(status(i));
                } catch (IOException | RuntimeException | AssertionError e) {
                    last[0] = "server" + (i + 1) + " does not answer: " + e.getMessage();
                    return false;
                }
                if (view == null) {
                    last[0] = "server" + (i + 1) + " has a group starting or stopping";
                    return false;
                }
                if (first == null) {
                    first = view;
                } else if (!first.equals(view)) {
                    last[0] = "the agents disagree:\n" + first + "\n---\n" + view;
                    return false;
                }
            }
            return true;
        };
        try {
            await(settled, timeoutS, "the cluster settled (every running agent's status the same, no group in "
                + "transition)");
        } catch (AssertionError e) {
            throw new AssertionError("not settled, last seen: " + last[0] + "\n" + e.getMessage(), e);
        }
    }

    /** The servers and groups of a status text, or null while a group is in transition. */
    static String settledView(final String status) {
        final StringBuilder sb = new StringBuilder();
        String section = "";
        for (final String line : status.split("\n")) {
            if (!line.startsWith(" ")) {
                // a section header: only the servers and groups count (not the last transitions on this server)
                section = line;
                if (line.startsWith("servers:") || line.startsWith("groups:")) {
                    sb.append(line).append('\n');
                }
            } else if (line.startsWith("  ") && line.charAt(2) != ' '
                && (section.startsWith("servers:") || section.startsWith("groups:"))) {
                // a server's or group's own line; the indented ones under it (heartbeat paths with their counters,
                // resources, monitors) differ from agent to agent and moment to moment
                final String[] f = line.trim().split("\\s+");
                if (section.startsWith("groups:") && f.length > 1
                    && !List.of("online", "stopped", "offline", "failed").contains(f[1])) {
                    return null;
                }
                sb.append(line.trim()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Sends {@code request} to server {@code at}'s agent; fails the test, with every log, unless it succeeds. */
    public void ok(final int at, final ControlRequest request) throws IOException {
        final ControlClient.Reply r = new ControlClient(socket(at), 120_000).call(request);
        assertEquals(ControlStatus.OK, r.status(), () -> request + " at server" + (at + 1) + ": " + r.text() + "\n"
            + diagnostics());
    }

    /** Whether server i's agent log contains {@code text} so far. */
    public boolean logHas(final int i, final String text) {
        try {
            return Files.readString(log(i)).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** Puts {@code bin} (the arm* commands) first in the PATH of the agents' scripts; call before starting. */
    public void commands(final Path bin) {
        this.commandDir = bin;
    }

    /** Runs the agents started from now on with {@code armd}, a launcher (e.g. of an unpacked package). */
    public void launcher(final Path armd) {
        this.launcher = armd;
    }

    /** Adds {@code name=value} to the environment of the agents started from now on. */
    public void environment(final String name, final String value) {
        environment.put(name, value);
    }

    /** The fixture's directory (the configuration, scripts, sockets and logs are in it). */
    public Path dir() {
        return dir;
    }

    private String extra = "";
    private String hub;

    /** The namespace of the bridge joining the servers (a stand-in for the LAN's gateway and other hosts). */
    public String hub() {
        return hub;
    }

    private String configText(final boolean autoReturn) {
        final StringBuilder sb = new StringBuilder();
        sb.append("[cluster]\nname = it\nkey-file = armd.key\nauto-return = ").append(autoReturn ? "yes" : "no")
            .append("\nstartup-wait = 10s\nstate-dir = state\nsocket = armd.sock\n\n");
        sb.append("[heartbeat]\nport = 7405\nmulticast-group = ").append(heartbeat.multicast() ? "239.192.0.1" : "none")
            .append("\ninterval = ").append(heartbeat.intervalMs()).append("ms\ntimeout = ")
            .append(heartbeat.timeoutMs()).append("ms\n\n");
        for (int i = 0; i < servers; i++) {
            sb.append("[server server").append(i + 1).append("]\naddress = ").append(address(i)).append("\n\n");
        }
        final List<String> forward = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            forward.add("server" + (i + 1));
        }
        final List<String> b = new ArrayList<>(forward);
        b.set(0, "server2");
        b.set(1, "server1");
        group(sb, "A", forward);
        group(sb, "B", b);
        group(sb, "C", forward);
        return sb.append(extra).toString();
    }

    private void group(final StringBuilder sb, final String name, final List<String> policy) {
        final String prefix = chained.containsKey(name) ? name + "-" : "";
        sb.append("[group ").append(name).append("]\npolicy = ").append(String.join(", ", policy))
            .append("\nstart = ").append(prefix).append("start.sh\nstop = ").append(prefix)
            .append("stop.sh\nscript-timeout = 20s\n\n");
    }

    /** The control socket of server i (0-based). */
    public Path socket(final int i) {
        return dir.resolve("s" + (i + 1) + ".sock");
    }

    /** The configuration file. */
    public Path config() {
        return config;
    }

    /** The agent log of server i. */
    public Path log(final int i) {
        return dir.resolve("server" + (i + 1) + ".log");
    }

    /** The namespace of server i. */
    public String namespace(final int i) {
        return namespaces[i];
    }

    /** The fixture's namespaces and links. */
    public Netns net() {
        return net;
    }

    /** Starts the agent of server i (0-based) in its namespace. */
    public void start(final int i) throws IOException {
        agents[i] = launch(i, ProcessBuilder.Redirect.appendTo(log(i).toFile()));
    }

    /**
     * Starts one more agent process for server i (a second one, while the first runs), its output to
     * {@code out}; the caller owns (and must end) the process.
     */
    public Process startAnother(final int i, final Path out) throws IOException {
        return launch(i, ProcessBuilder.Redirect.to(out.toFile()));
    }

    /**
     * From now on agents start under their guardian (target/bin/armguard, as the launcher starts them): when an
     * agent's JVM dies, the guardian releases what it held and tells the peers; {@link #kill9} then kills the JVM.
     */
    public void guarded() {
        this.guarded = true;
    }

    private boolean guarded;

    private Process launch(final int i, final ProcessBuilder.Redirect out) throws IOException {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespaces[i]));
        if (launcher != null) {
            cmd.add(launcher.toString());
        } else {
            if (guarded) {
                final Path guard = Path.of("target", "bin", "armguard").toAbsolutePath();
                if (!Files.isExecutable(guard)) {
                    throw new IOException(guard + " is missing: run scripts/build first");
                }
                cmd.addAll(List.of(guard.toString(), "--"));
            }
            cmd.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"));
            if (commandDir != null) {
                cmd.add("-Darmd.bin=" + commandDir);
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "armd.Main"));
        }
        cmd.addAll(List.of("run", "--config", config.toString(), "--server", "server" + (i + 1), "--socket",
            socket(i).toString()));
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        return pb.start();
    }

    /** Starts every agent. */
    public void startAll() throws IOException {
        for (int i = 0; i < servers; i++) {
            start(i);
        }
    }

    /** Removes server i's persisted state (its agent must not be running): its next start is a first start. */
    public void wipeState(final int i) throws IOException {
        final Path state = dir.resolve("state").resolve("server" + (i + 1));
        if (Files.exists(state)) {
            try (Stream<Path> walk = Files.walk(state)) {
                for (final Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The PID of server i's agent JVM (under a guardian: the guardian's child). */
    public long pid(final int i) {
        if (!guarded) {
            return agents[i].pid();
        }
        final long guard = agents[i].pid();
        try {
            final String children = Files.readString(Path.of("/proc", Long.toString(guard), "task",
                Long.toString(guard), "children")).trim();
            return Long.parseLong(children.split(" ")[0]);
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("server" + (i + 1) + "'s guardian (pid " + guard + ") has no agent child");
        }
    }

    /**
     * kill -9 of server i's agent JVM (the process this fixture started, or under a guardian the guardian's child),
     * and waits for the started process to be gone (a guardian exits once it released everything).
     */
    public void kill9(final int i) throws InterruptedException {
        final Process p = agents[i];
        if (guarded) {
            ProcessHandle.of(pid(i)).ifPresent(ProcessHandle::destroyForcibly);
            p.waitFor(30, TimeUnit.SECONDS);
            return;
        }
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM to server i's agent; waits up to 60 s for it to exit; returns its exit code. */
    public int terminate(final int i) throws InterruptedException {
        final Process p = agents[i];
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("server" + (i + 1) + " did not exit within 60 s of SIGTERM");
        }
        return p.exitValue();
    }

    /** Whether server i's agent process is running. */
    public boolean running(final int i) {
        return agents[i] != null && agents[i].isAlive();
    }

    /** Every script run recorded so far, one line each. */
    public List<String> records() throws IOException {
        return Files.readAllLines(record).stream().filter(l -> !l.isBlank()).toList();
    }

    /** Waits until {@code n} script runs are recorded; fails after {@code timeoutS} with the logs. */
    public List<String> awaitRecords(final int n, final int timeoutS) throws Exception {
        await(() -> {
            try {
                return records().size() >= n;
            } catch (IOException e) {
                return false;
            }
        }, timeoutS, "expected " + n + " script runs");
        return records();
    }

    /** Waits for {@code condition}, polling every 20 ms up to {@code timeoutS}; fails with the agents' logs. */
    public void await(final BooleanSupplier condition, final int timeoutS, final String what) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " within " + timeoutS + " s\n" + diagnostics());
            }
            Thread.sleep(20);
        }
    }

    /** The record file and every agent's log, for failure messages. */
    public String diagnostics() {
        final StringBuilder sb = new StringBuilder();
        try {
            sb.append("records:\n").append(String.join("\n", records())).append('\n');
            for (int i = 0; i < servers; i++) {
                if (Files.exists(log(i))) {
                    final List<String> lines = Files.readAllLines(log(i));
                    sb.append("--- server").append(i + 1).append(" log (last 60 lines):\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())))
                        .append('\n');
                }
            }
        } catch (IOException e) {
            sb.append("(cannot read: ").append(e.getMessage()).append(")");
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (final Process p : agents) {
            if (p != null && p.isAlive()) {
                // what the agent started, and under a guardian the JVM itself (its child): killed with the guardian
                // alone they would be left running, orphaned, in a deleted namespace
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        net.close();
        if (System.getenv("ARMD_KEEP_IT") == null) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory: best effort
            }
        }
    }
}
