package armd.monitor;

import armd.base.AgentLog;
import armd.action.ResourceEvents;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.ClusterConfig;
import armd.config.MonitorConfig;
import armd.it.LoopDisk;
import armd.it.Netns;
import armd.sys.NetNamespace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Real faults for each monitor type, in network namespaces, loop devices and child processes this class makes
 * (and removes): shared by {@code MonitorEngineIT} (does the monitor notice?) and the detection-latency
 * benchmark (how fast?). Needs root.
 *
 * <p>Topology of the network scenarios: namespace "h" (the monitoring server, where the engine runs) and
 * namespace "g" (the gateway / NFS server), joined by veth h0 (192.0.2.1/24) - g0 (192.0.2.254/24, and
 * 192.0.2.20/24 as the NFS server's address).
 */
public final class MonitorFaults {
    /** The group every scenario's monitor belongs to. */
    public static final int GROUP = 0;

    private MonitorFaults() {
    }

    /** One report the engine made. */
    public record Report(String kind, int group, String name, FailureAction action, Destination destination,
                         String reason, long atNs) {
    }

    /** Records every report with its time. */
    public static final class Recorder implements ResourceEvents {
        /** Every report, in order. */
        public final LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();

        @Override
        public void failed(final int group, final String name, final FailureAction action,
                           final Destination destination, final String reason) {
            reports.add(new Report("failed", group, name, action, destination, reason, System.nanoTime()));
        }

        @Override
        public void normalAgain(final int group, final String name) {
            reports.add(new Report("normalAgain", group, name, null, null, "", System.nanoTime()));
        }

        /** The next report within {@code timeoutMs}, or null. */
        public Report next(final long timeoutMs) throws InterruptedException {
            return reports.poll(timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Timing settings of a scenario's monitor. */
    public record Timing(int intervalMs, int timeoutMs, int failures, int resetAfterMs) {
        /** The defaults of the configuration (interval 1s, timeout 500ms, 3 failures), reset after 1 s. */
        public static final Timing DEFAULTS = new Timing(1000, 500, 3, 1000);
        /** Fast settings for the tests: interval 100 ms, timeout 100 ms, 3 failures, reset after 500 ms. */
        public static final Timing FAST = new Timing(100, 100, 3, 500);
    }

    /** Makes a scenario in {@code dir} (one of the factories below, e.g. {@code MonitorFaults::linkDown}). */
    public interface Maker {
        /** The scenario, made in {@code dir}. */
        Scenario make(Path dir) throws IOException;
    }

    /** A monitor and a fault to inject into what it watches. */
    public abstract static class Scenario implements AutoCloseable {
        final Netns net;
        final Path dir;
        String hostNs;
        String gatewayNs;

        Scenario(final String tag, final Path dir) {
            this.net = new Netns(tag);
            this.dir = dir;
        }

        /** Makes h and g joined by veth h0 - g0 with the scenario's addresses. */
        void topology() throws IOException {
            hostNs = net.namespace("h");
            gatewayNs = net.namespace("g");
            net.veth(hostNs, "h0", gatewayNs, "g0");
            net.address(hostNs, "h0", "192.0.2.1/24");
            net.address(gatewayNs, "g0", "192.0.2.254/24");
            net.address(gatewayNs, "g0", "192.0.2.20/24");
        }

        /** The scenario's name, for reports. */
        public abstract String name();

        /** The monitor under test, with {@code t}'s timing (event monitors keep their one failure). */
        public abstract MonitorConfig monitor(Timing t);

        /** Breaks the watched resource. */
        public abstract void inject() throws IOException;

        /** The namespace the engine runs in, or null for the test's own. */
        public String namespace() {
            return hostNs;
        }

        @Override
        public void close() {
            net.close();
        }
    }

    static MonitorConfig monitor(final String name, final MonitorConfig.Target target, final MonitorConfig.When when,
                                 final int failures, final Timing t) {
        return new MonitorConfig(name, 1, GROUP, t.intervalMs(), t.timeoutMs(), failures, when,
            name.endsWith("stop") ? FailureAction.STOP : FailureAction.FAILOVER, Destination.PRIORITY,
            t.resetAfterMs(), target);
    }

    /** A ping monitor of the gateway; the gateway's namespace drops all input with nftables. */
    public static Scenario pingDropped(final Path dir) throws IOException {
        return network(new Scenario("mpdr", dir) {
            @Override
            public String name() {
                return "ping, nftables drop at the target";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("lan", new MonitorConfig.Ping(InetAddress.ofLiteral("192.0.2.254"), null),
                    MonitorConfig.When.BOTH, t.failures(), t);
            }

            @Override
            public void inject() throws IOException {
                net.exec(gatewayNs, "nft", "add table inet armdmon");
                net.exec(gatewayNs, "nft", "add chain inet armdmon input { type filter hook input priority 0 ; "
                    + "policy drop ; }");
            }
        });
    }

    /** A ping monitor of the gateway; the gateway's namespace is removed (the link goes with it). */
    public static Scenario pingNamespaceGone(final Path dir) throws IOException {
        return network(new Scenario("mpns", dir) {
            @Override
            public String name() {
                return "ping, target namespace removed";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("lan-stop",
                    new MonitorConfig.Ping(InetAddress.ofLiteral("192.0.2.254"), "h0"), MonitorConfig.When.ONLINE,
                    t.failures(), t);
            }

            @Override
            public void inject() throws IOException {
                Netns.run("ip", "netns", "del", gatewayNs);
            }
        });
    }

    /** An NFS monitor (ping of the server); the server's address is removed. */
    public static Scenario nfsAddressGone(final Path dir) throws IOException {
        return network(new Scenario("mnfs", dir) {
            @Override
            public String name() {
                return "nfs, server address removed";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("nfs", new MonitorConfig.Nfs(InetAddress.ofLiteral("192.0.2.20")),
                    MonitorConfig.When.BOTH, t.failures(), t);
            }

            @Override
            public void inject() throws IOException {
                Netns.run("ip", "-n", gatewayNs, "addr", "del", "192.0.2.20/24", "dev", "g0");
            }
        });
    }

    /** A link monitor of h0; the veth peer g0 is set down, so h0 loses its carrier. */
    public static Scenario linkDown(final Path dir) throws IOException {
        return network(new Scenario("mlnk", dir) {
            @Override
            public String name() {
                return "link, veth peer set down";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("nic", new MonitorConfig.Link("h0"), MonitorConfig.When.ONLINE, 1, t);
            }

            @Override
            public void inject() throws IOException {
                Netns.run("ip", "-n", gatewayNs, "link", "set", "g0", "down");
            }
        });
    }

    /** An ip monitor of 203.0.113.10 on h0; someone else removes the address. */
    public static Scenario ipRemoved(final Path dir) throws IOException {
        final Scenario s = network(new Scenario("mip", dir) {
            @Override
            public String name() {
                return "ip, address removed by someone else";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("vip", new MonitorConfig.Ip(InetAddress.ofLiteral("203.0.113.10"), "h0"),
                    MonitorConfig.When.BOTH, 1, t);
            }

            @Override
            public void inject() throws IOException {
                Netns.run("ip", "-n", hostNs, "addr", "del", "203.0.113.10/24", "dev", "h0");
            }
        });
        s.net.address(s.hostNs, "h0", "203.0.113.10/24");
        return s;
    }

    /** A process monitor of a {@code sleep} child; the child is killed by its pid. */
    public static Scenario processKilled(final Path dir) throws IOException {
        final Process child = new ProcessBuilder("sleep", "600").start();
        final Path pidfile = dir.resolve("sleep.pid");
        Files.writeString(pidfile, child.pid() + "\n");
        return new Scenario("mprc", dir) {
            @Override
            public String name() {
                return "process, killed";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("daemon", new MonitorConfig.Process(pidfile), MonitorConfig.When.ONLINE, 1,
                    t);
            }

            @Override
            public void inject() {
                child.destroyForcibly();
            }

            @Override
            public String namespace() {
                return null;
            }

            @Override
            public void close() {
                child.destroyForcibly();
                super.close();
            }
        };
    }

    /** A script monitor whose command starts exiting 1 when a flag file appears. */
    public static Scenario scriptExit1(final Path dir) throws IOException {
        final Path flag = dir.resolve("broken");
        final Path script = dir.resolve("check.sh");
        Files.writeString(script, "#!/bin/sh\nif [ -e " + flag + " ]; then exit 1; fi\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new Scenario("mscr", dir) {
            @Override
            public String name() {
                return "script, exits 1";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("app", new MonitorConfig.Script(script), MonitorConfig.When.BOTH,
                    t.failures(), new Timing(t.intervalMs(), Math.max(2000, t.timeoutMs()), t.failures(),
                        t.resetAfterMs()));
            }

            @Override
            public void inject() throws IOException {
                Files.writeString(flag, "");
            }

            @Override
            public String namespace() {
                return null;
            }
        };
    }

    /** A partition monitor on a loop device; its backing file system is shut down (EIO). */
    public static Scenario partitionEio(final Path dir) throws IOException {
        final LoopDisk disk = LoopDisk.blank(8);
        return new Scenario("mpar", dir) {
            @Override
            public String name() {
                return "partition, I/O error (EIO)";
            }

            @Override
            public MonitorConfig monitor(final Timing t) {
                return MonitorFaults.monitor("quorum", new MonitorConfig.Partition(disk.device(), 16),
                    MonitorConfig.When.ONLINE, t.failures(), t);
            }

            @Override
            public void inject() {
                disk.injectIoError();
            }

            @Override
            public String namespace() {
                return null;
            }

            @Override
            public void close() {
                disk.close();
                super.close();
            }
        };
    }

    private static Scenario network(final Scenario s) throws IOException {
        try {
            s.topology();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** A one-server cluster with group A and {@code monitors}. */
    public static ClusterConfig config(final List<MonitorConfig> monitors) {
        return new ClusterConfig(Path.of("monitors-test.conf"), "monitors", Path.of("k"),
            new ClusterConfig.Heartbeat(7405, null, 10, 100), false, 0, Path.of("state"), Path.of("/nonexistent.sock"),
            List.of(new ClusterConfig.Server(0, "s1", List.of(InetAddress.ofLiteral("192.0.2.1")))),
            List.of(new ClusterConfig.Group(0, "A", List.of(0), null, null, 60_000))).withMonitors(monitors);
    }

    /**
     * One run: starts the engine with the scenario's monitor, waits for "normal again" (healthy for the reset time,
     * and no failure before the fault), injects the fault, and returns the failure report with the time from the
     * injection to the report in {@link Outcome#latencyNs}.
     *
     * @throws AssertionError when a failure comes before the fault or none within {@code failWithinMs}
     */
    public static Outcome run(final Scenario s, final Timing t, final long failWithinMs) throws Exception {
        return run(s, t, failWithinMs, 0);
    }

    /**
     * {@link #run(Scenario, Timing, long)} with the fault injected {@code phaseMs} after "normal again" (which
     * comes right after a probe): the benchmark spreads faults over the probe interval, as real faults are.
     */
    public static Outcome run(final Scenario s, final Timing t, final long failWithinMs, final long phaseMs)
        throws Exception {
        final MonitorConfig m = s.monitor(t);
        final Recorder events = new Recorder();
        final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        final AgentLog log = new AgentLog("s1", new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        try (MonitorEngine engine = new MonitorEngine(config(List.of(m)), 0, log, events)) {
            if (s.namespace() == null) {
                engine.groupOnline(GROUP);
            } else {
                NetNamespace.call(s.namespace(), () -> {
                    engine.groupOnline(GROUP);
                    return null;
                });
            }
            final Report first = events.next(t.resetAfterMs() + 10L * t.intervalMs() + 10_000);
            if (first == null || !first.kind().equals("normalAgain")) {
                throw new AssertionError(s.name() + ": expected normalAgain before the fault, got " + first + "\n"
                    + logBytes.toString(StandardCharsets.UTF_8));
            }
            if (phaseMs > 0) {
                Thread.sleep(phaseMs);
            }
            final long injectedNs = System.nanoTime();
            s.inject();
            final Report r = events.next(failWithinMs);
            if (r == null || !r.kind().equals("failed")) {
                throw new AssertionError(s.name() + ": expected failed within " + failWithinMs + " ms, got " + r + "\n"
                    + logBytes.toString(StandardCharsets.UTF_8));
            }
            return new Outcome(m, r, r.atNs() - injectedNs, logBytes.toString(StandardCharsets.UTF_8));
        }
    }

    /** The failure report of one run and its detection latency. */
    public record Outcome(MonitorConfig monitor, Report report, long latencyNs, String log) {
    }
}
