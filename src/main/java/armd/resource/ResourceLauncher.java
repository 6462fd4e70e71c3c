package armd.resource;

import armd.base.AgentLog;
import armd.action.ResourceEvents;
import armd.action.ScriptLauncher;
import armd.cluster.ArmsEvent;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.cluster.ScriptRun;
import armd.config.ClusterConfig;
import armd.sys.NetNamespace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Activates and releases a group's resources around its scripts (SPEC.md sections 3 and 4), as a decorator of
 * the agent's {@link ScriptLauncher}.
 *
 * <p>Start run: the group's resources are activated in file order, then the start script runs with ARMS_DISK
 * FAILURE when a disk or NFS resource failed to connect. A floating IP that fails (wrong network, address
 * conflict after its retries) is reported to {@link ResourceEvents#failed} with FAILOVER to the highest
 * priority server; the other resources and the start script still run, and the agent decides. A RECOVER start
 * activates nothing: RECOVER runs on a server returning to the cluster while the group runs elsewhere (or
 * before the START of an in-place restart, which activates), so its resources are not this server's to take.
 *
 * <p>Stop run: the stop script first, with the ARMS_DISK of the start run before it (the guide's sample stop
 * script branches on it, like the start script), then the resources are released in reverse order (addresses
 * removed, file systems unmounted; something already absent is fine), then {@code done} gets the stop script's
 * result.
 *
 * <p>Threads: {@link #launch} never blocks its caller (the agent's event loop). Each group with resources has
 * one worker thread, so a group's runs happen in order and a slow activation (conflict retries, fsck, a hung
 * NFS server) delays only its own group. A group without resources goes straight to the delegate.
 */
public final class ResourceLauncher implements ScriptLauncher, AutoCloseable {
    /**
     * How resources are handled; {@link #defaults()} for the agent.
     *
     * @param netns         the network namespace the workers enter (/run/netns/NAME), or null for the agent's:
     *                      for tests and one-host demos
     * @param mountCommand  the mount command used for NFS
     * @param fsckCommand   the fsck command
     * @param turTimeoutMs  TEST UNIT READY timeout
     * @param pingTries     echo requests to an NFS server before it counts as unreachable
     * @param pingTimeoutMs wait for each echo reply
     * @param fsckTimeoutMs an fsck still running after this is killed and the disk fails
     */
    public record Settings(String netns, String mountCommand, String fsckCommand, int turTimeoutMs, int pingTries,
                           int pingTimeoutMs, int fsckTimeoutMs) {
        /** The agent's settings: its own namespace, mount and fsck from PATH, 10 s TUR, 3 pings of 1 s, 1 h fsck. */
        public static Settings defaults() {
            return new Settings(null, "mount", "fsck", 10_000, 3, 1000, 3_600_000);
        }

        /** These settings with the workers in network namespace {@code name}. */
        public Settings withNetns(final String name) {
            return new Settings(name, mountCommand, fsckCommand, turTimeoutMs, pingTries, pingTimeoutMs,
                fsckTimeoutMs);
        }

        /** These settings with another mount command. */
        public Settings withMountCommand(final String command) {
            return new Settings(netns, command, fsckCommand, turTimeoutMs, pingTries, pingTimeoutMs, fsckTimeoutMs);
        }
    }

    private final ClusterConfig config;
    private final ScriptLauncher delegate;
    private final AgentLog log;
    /** Each resource's state for the status (up, failed, down), by name. */
    private final java.util.Map<String, String> states = new java.util.concurrent.ConcurrentHashMap<>();
    private final ResourceEvents events;
    private final List<List<GroupResource>> resources = new ArrayList<>();
    private final List<GroupContext> contexts = new ArrayList<>();
    private final ExecutorService[] workers;
    /** Per group: whether every disk connected at its last START/FAILOVER here; read and written on its worker. */
    private final boolean[] lastDisksOk;
    private final CountDownLatch closing = new CountDownLatch(1);

    /** The agent's launcher: resources of {@code config} around {@code delegate}'s scripts. */
    public ResourceLauncher(final ClusterConfig config, final ScriptLauncher delegate, final AgentLog log,
                            final ResourceEvents events) {
        this(config, delegate, log, events, Settings.defaults());
    }

    /** A launcher with {@code settings}. */
    public ResourceLauncher(final ClusterConfig config, final ScriptLauncher delegate, final AgentLog log,
                            final ResourceEvents events, final Settings settings) {
        this.config = config;
        this.delegate = delegate;
        this.log = log;
        this.events = events;
        this.workers = new ExecutorService[config.groups().size()];
        this.lastDisksOk = new boolean[config.groups().size()];
        Arrays.fill(lastDisksOk, true);
        for (final ClusterConfig.Group g : config.groups()) {
            final List<GroupResource> rs = new ArrayList<>();
            for (final ClusterConfig.Resource r : g.resources()) {
                rs.add(switch (r) {
                    case ClusterConfig.FloatingIp ip -> new FloatingIpResource(ip);
                    case ClusterConfig.Disk d -> new DiskResource(d);
                    case ClusterConfig.Nfs n -> new NfsResource(n);
                });
            }
            resources.add(List.copyOf(rs));
            contexts.add(new GroupContext(g.name(), log, settings, closing, g.scriptTimeoutMs()));
            if (!rs.isEmpty()) {
                workers[g.id()] = Executors.newSingleThreadExecutor(r -> worker(r, g.name(), settings.netns()));
            }
        }
    }

    /** A platform thread (setns moves one OS thread), in {@code netns} for its whole life when not null. */
    private static Thread worker(final Runnable body, final String group, final String netns) {
        final Runnable inNamespace = netns == null ? body : () -> {
            try (NetNamespace.Scope s = NetNamespace.enter(netns)) {
                body.run();
            }
        };
        return Thread.ofPlatform().name("armd-resources-" + group).daemon(true).unstarted(inNamespace);
    }

    /** The mount points of group {@code group}'s disk and NFS resources, in activation order (for armlsmnt). */
    public List<String> mountPoints(final int group) {
        return config.groups().get(group).mountPoints().stream().map(Path::toString).toList();
    }

    @Override
    public void launch(final ScriptRun run, final Consumer<Boolean> done) {
        final int group = run.group();
        if (resources.get(group).isEmpty()) {
            delegate.launch(run, done);
            return;
        }
        final ExecutorService w = workers[group];
        try {
            if (run.stop()) {
                w.execute(() -> delegate.launch(withDisk(run, lastDisksOk[group]), ok -> {
                    try {
                        w.execute(() -> {
                            release(group);
                            done.accept(ok);
                        });
                    } catch (RejectedExecutionException e) {
                        done.accept(ok);
                    }
                }));
            } else {
                w.execute(() -> start(run, done));
            }
        } catch (RejectedExecutionException e) {
            log.warning("group " + config.groups().get(group).name() + ": " + run.script() + " script not run: the "
                + "agent is stopping");
            done.accept(false);
        }
    }

    /** Worker thread: activates the group's resources (unless RECOVER), then launches the start script. */
    private void start(final ScriptRun run, final Consumer<Boolean> done) {
        final int group = run.group();
        final String name = config.groups().get(group).name();
        boolean disksOk = true;
        try {
            if (run.event() == ArmsEvent.RECOVER) {
                log.line("group " + name + ": RECOVER start: no resource is activated here (the group runs on "
                    + "another server, or starts again right after)");
            } else {
                disksOk = activate(group);
                lastDisksOk[group] = disksOk;
            }
        } finally {
            delegate.launch(withDisk(run, disksOk), done);
        }
    }

    /** {@code run} with ARMS_DISK FAILURE when {@code disksOk} is false (ScriptRun is a record: a copy). */
    private static ScriptRun withDisk(final ScriptRun run, final boolean disksOk) {
        return disksOk || !run.diskOk() ? run : new ScriptRun(run.group(), run.stop(), run.event(), run.home(),
            run.priority(), run.factor(), false);
    }

    /** Activates every resource of {@code group} in order; false when a disk or NFS resource failed. */
    private boolean activate(final int group) {
        final GroupContext a = contexts.get(group);
        final List<GroupResource> rs = resources.get(group);
        boolean disksOk = true;
        final List<String> failed = new ArrayList<>();
        for (final GroupResource r : rs) {
            final String name = r.config().name();
            String failure;
            try {
                failure = r.activate(a);
            } catch (RuntimeException e) {
                failure = name + ": " + e;
            }
            if (failure == null) {
                states.put(name, "up");
                continue;
            }
            states.put(name, "failed");
            failed.add(name);
            log.error("group " + a.group() + ": resource " + name + " failed: " + failure);
            if (r.config().countsInArmsDisk()) {
                disksOk = false;
            } else if (closing.getCount() > 0) {
                events.failed(group, name, FailureAction.FAILOVER, Destination.PRIORITY, failure);
            }
        }
        log.log(failed.isEmpty() ? AgentLog.Level.INFO : AgentLog.Level.WARNING, "group " + a.group() + ": "
            + (rs.size() - failed.size()) + " of " + rs.size() + " resource(s) "
            + "up" + (failed.isEmpty() ? "" : ", failed: " + String.join(", ", failed))
            + (disksOk ? "" : "; the start script gets ARMS_DISK=FAILURE"));
        return disksOk;
    }

    /** Worker thread: releases every resource of {@code group} in reverse order. */
    private void release(final int group) {
        final GroupContext a = contexts.get(group);
        final List<GroupResource> rs = resources.get(group);
        for (int i = rs.size() - 1; i >= 0; i--) {
            try {
                rs.get(i).deactivate(a);
                states.put(rs.get(i).config().name(), "down");
            } catch (RuntimeException e) {
                log.error("group " + a.group() + ": resource " + rs.get(i).config().name() + ": release failed: "
                    + e);
            }
        }
    }

    /** Resource {@code name}'s state for the status: up, failed or down. */
    public String state(final String name) {
        return states.getOrDefault(name, "down");
    }

    /**
     * Ends every wait (conflict retries, busy unmounts) and stops the workers; runs not started yet are dropped.
     * Resources stay as they are.
     */
    @Override
    public void close() {
        closing.countDown();
        for (final ExecutorService w : workers) {
            if (w != null) {
                w.shutdownNow();
            }
        }
    }
}
