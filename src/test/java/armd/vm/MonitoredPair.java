package armd.vm;

import armd.base.AgentLog;
import armd.action.ResourceEvents;
import armd.cluster.ClusterNode;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.cluster.OpResult;
import armd.config.ClusterConfig;
import armd.config.ClusterKey;
import armd.config.ConfigParser;
import armd.config.Problem;
import armd.monitor.MonitorEngine;
import armd.sim.Sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group A with a disk monitor, inside the test guest: a configuration parsed from text (servers server1 and
 * server2, {@code [monitor A-disk]} on a device of the guest), the real {@link MonitorEngine} probing the device
 * as server1's agent would, and the real failover state machine of both servers in a {@link Sim}, where A is
 * online on server1. The engine's reports are queued as the agent queues them for its loop; {@link #decide}
 * hands a failure to server1's {@link ClusterNode}, as the agent's loop does, and runs the cluster until the
 * failover has happened. Used only inside the guest, by {@link ScsiGuest}, from one thread.
 */
final class MonitoredPair implements AutoCloseable {
    static final String MONITOR = "A-disk";
    /** Virtual time for the simulated agents to settle: startup wait, heartbeats, script runs. */
    private static final long SETTLE_MS = 3_000;
    private static final int SETTLE_STEPS = 20;

    /** One {@code failed} report as the engine made it, with the guest's clock when it came. */
    record Failure(long atNs, int group, String name, FailureAction action, Destination destination,
                   String reason) {
    }

    private final ClusterConfig config;
    private final Sim sim;
    private final MonitorEngine engine;
    private final int group;
    private final BlockingQueue<Failure> failures = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> configurationErrors = new LinkedBlockingQueue<>();
    private final List<String> normalAgain = new CopyOnWriteArrayList<>();

    private MonitoredPair(final ClusterConfig config) {
        this.config = config;
        this.group = config.group("A").orElseThrow().id();
        this.sim = new Sim(config, 6);
        sim.bootAll();
        for (int i = 0; i < SETTLE_STEPS && !"server1".equals(where()); i++) {
            sim.runMs(SETTLE_MS);
        }
        if (!"server1".equals(where())) {
            throw new AssertionError("group A is not online on server1 in the simulated pair: " + where() + "\n"
                + String.join("\n", sim.log()));
        }
        final ResourceEvents events = new ResourceEvents() {
            @Override
            public void failed(final int g, final String name, final FailureAction action,
                               final Destination destination, final String reason) {
                failures.add(new Failure(System.nanoTime(), g, name, action, destination, reason));
            }

            @Override
            public void normalAgain(final int g, final String name) {
                normalAgain.add(name);
            }
        };
        this.engine = new MonitorEngine(config, config.server("server1").orElseThrow().id(),
            new AgentLog("server1", System.out), events, configurationErrors::add);
    }

    /**
     * Writes the cluster's files (configuration, key, scripts) into a new folder under {@code tmp}, parses them
     * with the agent's parser, boots the simulated pair until A is online on server1, and starts A's monitors
     * there: the disk monitor probes {@code device} every 20 ms and fails after 2 failed probes.
     */
    static MonitoredPair start(final Path tmp, final String device) throws IOException {
        final Path dir = Files.createTempDirectory(tmp, "pair.");
        final Path key = dir.resolve("armd.key");
        Files.writeString(key, ClusterKey.format(ClusterKey.generate()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        for (final String script : List.of("start.sh", "stop.sh")) {
            final Path p = dir.resolve(script);
            Files.writeString(p, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final Path file = dir.resolve("armd.conf");
        Files.writeString(file, """
            [cluster]
            name = vm
            key-file = armd.key
            startup-wait = 1s
            [server server1]
            address = 192.0.2.1
            [server server2]
            address = 192.0.2.2
            [group A]
            policy = server1, server2
            start = start.sh
            stop = stop.sh
            [monitor A-disk]
            group = A
            type = disk
            device = DEVICE
            interval = 20ms
            timeout = 2s
            failures = 2
            """.replace("DEVICE", device));
        // the guest runs as root: the parser's rules for root (files owned by root, key 0600) apply
        final ConfigParser.Result parsed = new ConfigParser().parse(file);
        if (!parsed.valid()) {
            throw new AssertionError("the configuration does not parse: "
                + parsed.problems().stream().map(Problem::toString).toList());
        }
        final MonitoredPair pair = new MonitoredPair(parsed.config());
        pair.engine.groupOnline(pair.group);
        return pair;
    }

    /** The configuration the pair runs. */
    ClusterConfig config() {
        return config;
    }

    /** Where group A is online as server2 sees it: a server name, or "nowhere". */
    String where() {
        final ClusterNode n = sim.node("server2");
        final int s = n.onlineAt(sim.group("A"));
        return s < 0 ? "nowhere" : n.serverName(s);
    }

    /** The next failure the engine reported, waiting up to {@code timeout}; null when none came. */
    Failure nextFailure(final Duration timeout) throws InterruptedException {
        return failures.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next configuration-error line, waiting up to {@code timeout}; null when none came. */
    String nextConfigurationError(final Duration timeout) throws InterruptedException {
        return configurationErrors.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Failures and configuration errors reported and not taken yet, and normal-again reports, for messages. */
    String pending() {
        return "failures " + failures + ", configuration errors " + configurationErrors + ", normal again "
            + normalAgain;
    }

    /** Whether nothing was reported that was not taken (and no normal-again either). */
    boolean quiet() {
        return failures.isEmpty() && configurationErrors.isEmpty() && normalAgain.isEmpty();
    }

    /**
     * What server1's agent does with {@code f}: its monitors stop (they would before the stop script) and its
     * state machine decides; the pair then runs until the scripts have run. Returns the script runs and log
     * lines of the decision.
     */
    Decision decide(final Failure f) {
        final int runsBefore = sim.runs().size();
        final int logBefore = sim.log().size();
        final OpResult result = sim.node("server1").resourceFailed(f.group(), f.name(), f.action(), f.destination(),
            f.reason());
        engine.groupOffline(group);
        sim.runMs(SETTLE_MS);
        return new Decision(result.name(),
            sim.runs().subList(runsBefore, sim.runs().size()).stream().map(Sim.Run::line).toList(),
            List.copyOf(sim.log().subList(logBefore, sim.log().size())), where());
    }

    /**
     * The outcome of a failure: the state machine's answer, the script runs, the agents' log lines, and where
     * A is online afterwards.
     */
    record Decision(String result, List<String> runs, List<String> log, String whereNow) {
    }

    /** Stops A's monitors (waiting for a probe in progress): nothing is reported after this. */
    void groupOffline() {
        engine.groupOffline(group);
    }

    @Override
    public void close() {
        engine.close();
    }
}
