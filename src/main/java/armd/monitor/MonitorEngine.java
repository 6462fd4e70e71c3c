package armd.monitor;

import armd.action.ScriptRunner;
import armd.base.AgentLog;
import armd.action.ResourceEvents;
import armd.config.ClusterConfig;
import armd.config.FileSafety;
import armd.config.MonitorConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the resource monitors of the groups online on this server (docs/behaviour.md#resource-monitoring) and reports to
 * the agent through {@link ResourceEvents}: {@code failed} once when a monitor's resource fails (its threshold
 * reached), not again until a normal result came or the group restarted; {@code normalAgain} when the resource stayed
 * normal for its {@code reset-after} time after a failure or since the group came online.
 *
 * <p>Threads: each probed monitor (ping, nfs, disk, partition, script, ip at activation) has a thread of its own,
 * so a probe blocked in the kernel by a sick disk delays no other monitor; the event monitors (link, process, ip
 * while online) share one thread that sleeps in poll(2) on rtnetlink and pidfds. Sockets and threads are made by
 * the thread that calls {@link #groupOnline}, in its network namespace.
 *
 * <p>Thread-safe. A report racing with {@link #groupOffline} may arrive just after it returns: the agent ignores
 * reports for a group that is not online.
 */
public final class MonitorEngine implements AutoCloseable, Reporter {
    /** How long {@link #groupOffline} waits for a probe in progress beyond the monitor's timeout. */
    private static final long STOP_SLACK_MS = 1000;
    /** A script monitor's command gets SIGTERM at its timeout, then SIGKILL this much later. */
    static final int SCRIPT_KILL_GRACE_MS = 1000;
    /** How often the watchdog looks for probes blocked in the kernel. */
    private static final long WATCHDOG_MS = 100;

    /** Replaced by {@link #reconfigure} (monitor settings); read under the engine's lock when monitors start. */
    private volatile ClusterConfig config;
    private final int selfServerId;
    private final AgentLog log;
    /** Each monitor's state for the status, by name. */
    private final Map<String, String> states = new java.util.concurrent.ConcurrentHashMap<>();
    private final ResourceEvents events;
    private final java.util.function.Consumer<String> configurationErrors;
    private final Map<Integer, Running> online = new HashMap<>();
    private EventWatcher watcher;
    private ScriptRunner scripts;
    /** The watchdog's view of the running probed monitors: replaced (never changed) under the engine's lock. */
    private volatile PeriodicMonitor[] watched = new PeriodicMonitor[0];
    private java.util.concurrent.ScheduledExecutorService watchdog;
    private boolean closed;

    /** What runs for one online group. */
    private record Running(List<PeriodicMonitor> periodic, List<EventWatcher.Watch> watches) {
    }

    /**
     * An engine for {@code config}'s monitors on server {@code selfServerId} (which picks its own sector of a
     * partition monitor); logs to {@code log}, reports to {@code events}.
     */
    public MonitorEngine(final ClusterConfig config, final int selfServerId, final AgentLog log,
                         final ResourceEvents events) {
        this(config, selfServerId, log, events, line -> { });
    }

    /**
     * An engine that also hands each configuration-error line (a monitor that cannot work on this server, e.g. a
     * disk monitor on a device without SCSI) to {@code configurationErrors}, on the monitor's thread.
     */
    public MonitorEngine(final ClusterConfig config, final int selfServerId, final AgentLog log,
                         final ResourceEvents events, final java.util.function.Consumer<String> configurationErrors) {
        this.config = config;
        this.selfServerId = selfServerId;
        this.log = log;
        this.events = events;
        this.configurationErrors = configurationErrors;
    }

    /**
     * Group {@code group} came online here: starts its activation monitors (each probes until its first normal
     * result or its failure) and its online monitors. Returns at once; results come through the events.
     */
    public synchronized void groupOnline(final int group) {
        if (closed) {
            throw new IllegalStateException("monitor engine closed");
        }
        if (online.containsKey(group)) {
            groupOffline(group);
        }
        final List<MonitorConfig> monitors = config.monitorsOf(group);
        if (monitors.isEmpty()) {
            return;
        }
        for (final MonitorConfig m : monitors) {
            states.put(m.name(), "watching");
        }
        final Running r = new Running(new ArrayList<>(), new ArrayList<>());
        online.put(group, r);
        for (final MonitorConfig m : monitors) {
            try {
                start(r, group, m);
            } catch (RuntimeException e) {
                // e.g. no rtnetlink subscription: this monitor cannot run, the others still do
                unusable(m, String.valueOf(e.getMessage()));
            }
        }
        log.line("monitors of group " + groupName(group) + " started: " + String.join(", ",
            monitors.stream().map(m -> m.name() + " (" + m.type() + ", " + m.when().name().toLowerCase() + ")")
                .toList()));
    }

    private void start(final Running r, final int group, final MonitorConfig m) {
        switch (m.target()) {
            case MonitorConfig.Link l -> watch(r, new EventWatcher.LinkWatch(m, l.interfaceName()));
            case MonitorConfig.Process p -> watch(r, new EventWatcher.ProcessWatch(m, p.pidfile()));
            case MonitorConfig.Ip ip -> {
                if (m.when().atActivation()) {
                    periodic(r, m, new IpCheck(ip.address(), ip.interfaceName()), true);
                }
                if (m.when().whileOnline()) {
                    watch(r, new EventWatcher.IpWatch(m, ip.address(), ip.interfaceName()));
                }
            }
            case MonitorConfig.Ping p -> periodic(r, m, new PingCheck(p.address(), p.interfaceName(),
                m.timeoutMs()), false);
            case MonitorConfig.Nfs n -> periodic(r, m, new PingCheck(n.server(), null, m.timeoutMs()), false);
            case MonitorConfig.Disk d -> periodic(r, m, new TurCheck(d.device(), m.timeoutMs()), false);
            case MonitorConfig.Partition p -> periodic(r, m,
                new PartitionCheck(p.device(), p.sector() + selfServerId, selfServerId), false);
            case MonitorConfig.Script s -> periodic(r, m, new ScriptCheck(scripts(), groupName(group), m.name(),
                s.command(), m.timeoutMs(), SCRIPT_KILL_GRACE_MS), false);
        }
    }

    private void periodic(final Running r, final MonitorConfig m, final Check check, final boolean activationOnly) {
        final PeriodicMonitor p = new PeriodicMonitor(m, check, this, activationOnly);
        r.periodic().add(p);
        p.start();
        if (watchdog == null) {
            watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                t -> Thread.ofPlatform().name("armd-monitor-watchdog").daemon().unstarted(t));
            // one reused task: the steady state allocates nothing
            watchdog.scheduleAtFixedRate(this::watchdog, WATCHDOG_MS, WATCHDOG_MS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        final PeriodicMonitor[] now = java.util.Arrays.copyOf(watched, watched.length + 1);
        now[now.length - 1] = p;
        watched = now;
    }

    /** Reports probes blocked in the kernel beyond their monitor's detection time. */
    private void watchdog() {
        final PeriodicMonitor[] ps = watched;
        final long nowNs = System.nanoTime();
        for (final PeriodicMonitor p : ps) {
            p.checkStuck(nowNs);
        }
    }

    private void watch(final Running r, final EventWatcher.Watch w) {
        if (watcher == null) {
            watcher = new EventWatcher(this);
        }
        r.watches().add(w);
        watcher.add(w);
    }

    private ScriptRunner scripts() {
        if (scripts == null) {
            scripts = new ScriptRunner(new ScriptRunner.Settings(null, config.socketPath(), SCRIPT_KILL_GRACE_MS,
                FileSafety.runningAsRoot()), ScriptRunner.OutputSink.to(log));
        }
        return scripts;
    }

    /**
     * Group {@code group} goes offline here: stops its monitors before its stop script runs, waiting (bounded by
     * the monitors' timeouts) for probes in progress. Nothing is reported for the group after this returns,
     * except a report that raced with it.
     */
    public synchronized void groupOffline(final int group) {
        final Running r = online.remove(group);
        if (r == null) {
            return;
        }
        for (final MonitorConfig m : config.monitorsOf(group)) {
            states.put(m.name(), "off");
        }
        for (final PeriodicMonitor p : r.periodic()) {
            p.stop();
        }
        watched = java.util.Arrays.stream(watched).filter(p -> !r.periodic().contains(p))
            .toArray(PeriodicMonitor[]::new);
        for (final EventWatcher.Watch w : r.watches()) {
            watcher.remove(w);
        }
        try {
            for (final PeriodicMonitor p : r.periodic()) {
                final long waitMs = p.config().timeoutMs() + (long) SCRIPT_KILL_GRACE_MS + STOP_SLACK_MS;
                if (!p.join(waitMs)) {
                    log.warning("monitor " + p.config().name() + " of group " + groupName(group) + ": its probe is "
                        + "still blocked after " + waitMs + " ms; left behind (it reports nothing more)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Takes on the monitor settings of {@code reloaded} (the same groups and monitor names; a configuration reload)
     * and restarts the monitors of {@code groups} that run now: their probes and failure counts start again, the
     * group's scripts and resources are not touched. A group not online here starts with the new settings when it
     * comes online.
     */
    public synchronized void reconfigure(final ClusterConfig reloaded, final java.util.Set<Integer> groups) {
        if (closed) {
            return;
        }
        this.config = reloaded;
        for (final Integer g : groups) {
            if (online.containsKey(g)) {
                log.line("monitors of group " + groupName(g) + ": restarting with the reloaded settings");
                groupOffline(g);
                groupOnline(g);
            }
        }
    }

    /** Whether group {@code group}'s monitors run. */
    public synchronized boolean isOnline(final int group) {
        return online.containsKey(group);
    }

    /** Monitor {@code name}'s state for the status: off, watching, failed or unusable. */
    public String state(final String name) {
        return states.getOrDefault(name, "off");
    }

    @Override
    public void failed(final MonitorConfig m, final String reason) {
        states.put(m.name(), "failed");
        log.error("monitor " + m.name() + " of group " + groupName(m.group()) + " failed: " + reason + " ("
            + m.action().name().toLowerCase() + (m.action() == armd.cluster.FailureAction.FAILOVER
            ? " to the " + (m.destination() == armd.cluster.Destination.STABLE ? "most stable" : "highest-priority")
            + " server" : "") + ")");
        events.failed(m.group(), m.name(), m.action(), m.destination(), m.type() + " monitor " + m.name() + ": "
            + reason);
    }

    @Override
    public void normalAgain(final MonitorConfig m) {
        states.put(m.name(), "watching");
        log.line("monitor " + m.name() + " of group " + groupName(m.group()) + ": resource normal for "
            + m.resetAfterMs() / 1000 + " s");
        events.normalAgain(m.group(), m.name());
    }

    @Override
    public void unusable(final MonitorConfig m, final String reason) {
        states.put(m.name(), "unusable");
        final String line = (m.line() > 0 ? config.file() + ":" + m.line() + ": " : "") + "monitor " + m.name()
            + " of group " + groupName(m.group()) + " cannot work on this server: " + reason;
        log.error(line + "; the monitor is off until the group restarts");
        configurationErrors.accept(line);
    }

    private String groupName(final int group) {
        return group >= 0 && group < config.groups().size() ? config.groups().get(group).name() : "#" + group;
    }

    /** Stops every group's monitors and the threads. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (final Integer g : List.copyOf(online.keySet())) {
            groupOffline(g);
        }
        closed = true;
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (scripts != null) {
            scripts.close();
        }
    }
}
