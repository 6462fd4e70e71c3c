package armd.resource;

import armd.base.AgentLog;
import armd.action.ScriptLauncher;
import armd.cluster.ArmsEvent;
import armd.cluster.RunOutcome;
import armd.cluster.ScriptRun;
import armd.cluster.StopFactor;
import armd.config.ClusterConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Test doubles for the resource launcher: a config, a recording script launcher, events and a log. */
final class Fixtures {
    private Fixtures() {
    }

    /** Two servers; group A (id 0) with {@code resources}, group B (id 1) with none. */
    static ClusterConfig config(final List<ClusterConfig.Resource> resources) {
        return config(resources, List.of());
    }

    /** Two servers; group A (id 0) with {@code resources}, group B (id 1) with {@code resourcesB}. */
    static ClusterConfig config(final List<ClusterConfig.Resource> resources,
                                final List<ClusterConfig.Resource> resourcesB) {
        return new ClusterConfig(Path.of("test.conf"), "test", Path.of("test.key"),
            new ClusterConfig.Heartbeat(7000, null, 10, 100), false, 1000, Path.of("state"), Path.of("armd.sock"),
            List.of(new ClusterConfig.Server(0, "s1", List.of(v4("192.0.2.1"))),
                new ClusterConfig.Server(1, "s2", List.of(v4("192.0.2.2")))),
            List.of(new ClusterConfig.Group(0, "A", List.of(0, 1), Path.of("start.sh"), Path.of("stop.sh"), 10_000,
                    resources),
                new ClusterConfig.Group(1, "B", List.of(1, 0), Path.of("start.sh"), Path.of("stop.sh"), 10_000,
                    resourcesB)));
    }

    static Inet4Address v4(final String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static ClusterConfig.FloatingIp ip(final String name, final String address, final int prefixLen,
                                       final String ifName, final int retries, final int retryMs,
                                       final boolean anySubnet) {
        return new ClusterConfig.FloatingIp(name, v4(address), prefixLen, ifName, retries, retryMs, anySubnet,
            new ClusterConfig.Arp(3, 20, 100, 3, 20));
    }

    /** A floating IPv6 address with a short probe schedule (3 probes 20 ms apart, 100 ms wait). */
    static ClusterConfig.FloatingIp ip6(final String name, final String address, final int prefixLen,
                                        final String ifName, final int retries, final int retryMs) {
        return new ClusterConfig.FloatingIp(name, InetAddress.ofLiteral(address), prefixLen, ifName, retries, retryMs,
            false, new ClusterConfig.Arp(3, 20, 100, 3, 20));
    }

    static ScriptRun start(final int group, final ArmsEvent event) {
        return new ScriptRun(group, false, event, true, 1, null, true);
    }

    static ScriptRun stop(final int group) {
        return new ScriptRun(group, true, ArmsEvent.START, true, 1, StopFactor.GROUPSTOP, true);
    }

    /** How a launched run ended. */
    record Outcome(RunOutcome outcome, String reason) {
        boolean ok() {
            return outcome == RunOutcome.OK;
        }
    }

    /** Runs {@code run} through {@code launcher} and waits (bounded) for its end. */
    static Outcome launchAndWait(final ScriptLauncher launcher, final ScriptRun run) throws Exception {
        final CompletableFuture<Outcome> done = new CompletableFuture<>();
        launcher.launch(run, (outcome, reason) -> done.complete(new Outcome(outcome, reason)));
        return done.get(60, TimeUnit.SECONDS);
    }

    /** Records every run it gets (and a log line for it), answers done(true). */
    static final class RecordingLauncher implements ScriptLauncher {
        final List<ScriptRun> runs = new ArrayList<>();
        private final Log log;

        RecordingLauncher(final Log log) {
            this.log = log;
        }

        @Override
        public synchronized void launch(final ScriptRun run, final Done done) {
            runs.add(run);
            log.log().line("script " + run.script() + " ARMS_DISK=" + (run.diskOk() ? "SUCCESS" : "FAILURE"));
            done.done(RunOutcome.OK, null);
        }

        synchronized List<ScriptRun> runs() {
            return List.copyOf(runs);
        }
    }

    /** An agent log whose lines can be read back and waited for. */
    static final class Log {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        /** Also echoed to the test's output, so a failed run's report shows the agent's lines. */
        private final PrintStream out = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(final int b) {
                bytes.write(b);
                System.out.write(b);
            }

            @Override
            public void write(final byte[] b, final int off, final int len) {
                bytes.write(b, off, len);
                System.out.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        private final AgentLog log = new AgentLog("s1", out);

        AgentLog log() {
            return log;
        }

        /** The lines so far, without the timestamp, server and level. */
        List<String> lines() {
            final String text;
            synchronized (out) {
                text = bytes.toString(StandardCharsets.UTF_8);
            }
            final List<String> out2 = new ArrayList<>();
            for (final String l : text.split("\n")) {
                final String[] parts = l.split(" ", 4);
                if (parts.length == 4) {
                    out2.add(parts[3]);
                }
            }
            return out2;
        }

        /** Waits up to {@code timeoutMs} for a line matching {@code p}; the line or null. */
        String await(final Predicate<String> p, final long timeoutMs) throws InterruptedException {
            final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true) {
                for (final String l : lines()) {
                    if (p.test(l)) {
                        return l;
                    }
                }
                if (System.nanoTime() - deadlineNs > 0) {
                    return null;
                }
                Thread.sleep(10);
            }
        }

        /** Every line, for assertion messages. */
        String dump() {
            return String.join("\n", lines());
        }
    }
}
