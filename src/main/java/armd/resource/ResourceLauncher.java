package armd.resource;

import armd.base.AgentLog;
import armd.action.ScriptLauncher;
import armd.cluster.ArmsEvent;
import armd.cluster.RunOutcome;
import armd.cluster.ScriptRun;
import armd.config.ClusterConfig;
import armd.sys.NetNamespace;
import armd.sys.Sched;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Activates and releases a group's resources around its scripts (docs/behaviour.md#resources), as a decorator of
 * the agent's {@link ScriptLauncher}.
 *
 * <p>Start run: the group's resources are activated in file order, then the start script runs with ARMS_DISK
 * FAILURE when a disk or NFS resource failed to connect. A floating IP that fails (wrong network, address
 * conflict after its retries) ends the activation: what was activated is released, the start script does not
 * run, and the run ends as RESOURCE_FAILED, for the decision core to fail the group over or hold it (a group is
 * never online without its addresses). Before a takeover, {@link #probeHolders} asks whether the group's
 * addresses still answer elsewhere; an address found free that way is not probed again at activation, so the
 * conflict check is done once and counts in the failover time. A RECOVER start
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
    private final List<List<GroupResource>> resources = new ArrayList<>();
    private final List<GroupContext> contexts = new ArrayList<>();
    private final ExecutorService[] workers;
    /** Per group: whether every disk connected at its last START/FAILOVER here; read and written on its worker. */
    private final boolean[] lastDisksOk;
    private final CountDownLatch closing = new CountDownLatch(1);

    /** The agent's launcher: resources of {@code config} around {@code delegate}'s scripts. */
    public ResourceLauncher(final ClusterConfig config, final ScriptLauncher delegate, final AgentLog log) {
        this(config, delegate, log, Settings.defaults());
    }

    /** A launcher with {@code settings}. */
    public ResourceLauncher(final ClusterConfig config, final ScriptLauncher delegate, final AgentLog log,
                            final Settings settings) {
        this.config = config;
        this.delegate = delegate;
        this.log = log;
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

    /**
     * Takes on the script timeouts of {@code reloaded} (same groups, in the same order), which bound the groups'
     * mount and fsck commands from their next run: a configuration reload.
     */
    public void scriptTimeouts(final ClusterConfig reloaded) {
        for (final ClusterConfig.Group g : reloaded.groups()) {
            contexts.get(g.id()).commandTimeoutMs(g.scriptTimeoutMs());
        }
    }

    /**
     * SCHED_FIFO priority of the resource workers, below the heartbeat sender's: a takeover waits for their holder
     * probe and address activation, which must not queue behind ordinary work on a loaded machine. They block in
     * the kernel between steps and never spin, so they cannot starve the machine.
     */
    static final int WORKER_PRIORITY = 40;

    /** A platform thread (setns moves one OS thread), in {@code netns} for its whole life when not null. */
    private static Thread worker(final Runnable body, final String group, final String netns) {
        final Runnable realTime = () -> {
            // refused without CAP_SYS_NICE: then the worker runs at normal priority, which is only slower
            Sched.setFifo(WORKER_PRIORITY);
            body.run();
        };
        final Runnable inNamespace = netns == null ? realTime : () -> {
            try (NetNamespace.Scope s = NetNamespace.enter(netns)) {
                realTime.run();
            }
        };
        return Thread.ofPlatform().name("armd-resources-" + group).daemon(true).unstarted(inNamespace);
    }

    /** The mount points of group {@code group}'s disk and NFS resources, in activation order (for armlsmnt). */
    public List<String> mountPoints(final int group) {
        return config.groups().get(group).mountPoints().stream().map(Path::toString).toList();
    }

    @Override
    public void launch(final ScriptRun run, final Done done) {
        final int group = run.group();
        if (resources.get(group).isEmpty()) {
            delegate.launch(run, done);
            return;
        }
        final ExecutorService w = workers[group];
        try {
            if (run.stop()) {
                w.execute(() -> delegate.launch(withDisk(run, lastDisksOk[group]), (outcome, reason) -> {
                    try {
                        w.execute(() -> {
                            release(group, resources.get(group).size());
                            done.done(outcome, reason);
                        });
                    } catch (RejectedExecutionException e) {
                        done.done(outcome, reason);
                    }
                }));
            } else {
                w.execute(() -> start(run, done));
            }
        } catch (RejectedExecutionException e) {
            log.warning("group " + config.groups().get(group).name() + ": " + run.script() + " script not run: the "
                + "agent is stopping");
            done.done(RunOutcome.FAILED, "the agent is stopping");
        }
    }

    /**
     * Worker thread: activates the group's resources (unless RECOVER), then launches the start script; when a
     * resource the group cannot run without fails, releases what was activated and reports RESOURCE_FAILED
     * without running the start script (a group is never online without its addresses).
     */
    private void start(final ScriptRun run, final Done done) {
        final int group = run.group();
        final String name = config.groups().get(group).name();
        if (run.event() == ArmsEvent.RECOVER) {
            log.line("group " + name + ": RECOVER start: no resource is activated here (the group runs on "
                + "another server, or starts again right after)");
            delegate.launch(run, done);
            return;
        }
        for (final FloatingIpResource ip : floatingIps(group)) {
            ip.takeover(run.checked());
            if (!run.checked()) {
                // a holder probe counts as this start's conflict check only when the start is the takeover it was for
                ip.forgetProbe();
            }
        }
        final Activation a;
        try {
            a = activate(group);
        } catch (RuntimeException e) {
            release(group, resources.get(group).size());
            done.done(RunOutcome.RESOURCE_FAILED, "group " + name + ": resource activation failed: " + e);
            return;
        }
        if (a.failure() != null) {
            done.done(a.conflict() ? RunOutcome.CONFLICT : RunOutcome.RESOURCE_FAILED, a.failure());
            return;
        }
        lastDisksOk[group] = a.disksOk();
        delegate.launch(withDisk(run, a.disksOk()), done);
    }

    /** {@code run} with ARMS_DISK FAILURE when {@code disksOk} is false (ScriptRun is a record: a copy). */
    private static ScriptRun withDisk(final ScriptRun run, final boolean disksOk) {
        return disksOk || !run.diskOk() ? run : new ScriptRun(run.group(), run.stop(), run.event(), run.home(),
            run.priority(), run.factor(), false, run.checked());
    }

    /**
     * What an activation gave.
     *
     * @param disksOk every disk and NFS resource connected (else the start script gets ARMS_DISK=FAILURE)
     * @param failure the resource the group cannot run without that failed, and why; null when none did
     * @param conflict it failed because its address answered from another host
     */
    private record Activation(boolean disksOk, String failure, boolean conflict) {
    }

    /**
     * Activates every resource of {@code group} in order. A disk or NFS failure only clears ARMS_DISK (the start
     * script decides, as the guide's samples do); a floating IP failure stops the activation and releases what was
     * already up, in reverse order.
     */
    private Activation activate(final int group) {
        final GroupContext a = contexts.get(group);
        final List<GroupResource> rs = resources.get(group);
        boolean disksOk = true;
        final List<String> failed = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            final GroupResource r = rs.get(i);
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
            if (!r.config().countsInArmsDisk()) {
                release(group, i);
                log.warning("group " + a.group() + ": not started here: " + name + " is needed; " + i
                    + " resource(s) activated before it were released");
                return new Activation(disksOk, name + ": " + failure,
                    r instanceof FloatingIpResource ip && ip.conflicted());
            }
            disksOk = false;
        }
        log.log(failed.isEmpty() ? AgentLog.Level.INFO : AgentLog.Level.WARNING, "group " + a.group() + ": "
            + (rs.size() - failed.size()) + " of " + rs.size() + " resource(s) "
            + "up" + (failed.isEmpty() ? "" : ", failed: " + String.join(", ", failed))
            + (disksOk ? "" : "; the start script gets ARMS_DISK=FAILURE"));
        return new Activation(disksOk, null, false);
    }

    /**
     * Before the agent does anything else at start: releases whatever a crashed earlier run of it left up on
     * this host (floating addresses on their interfaces, mounted file systems), in reverse order per group, each
     * logged. Nothing runs here yet, so none of it is this run's. Waits for the workers (bounded); returns the
     * number of resources found up.
     */
    public int releaseStale() throws InterruptedException {
        final java.util.concurrent.atomic.AtomicInteger found = new java.util.concurrent.atomic.AtomicInteger();
        final List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int g = 0; g < resources.size(); g++) {
            final int group = g;
            if (workers[g] == null) {
                continue;
            }
            done.add(workers[g].submit(() -> {
                final List<GroupResource> rs = resources.get(group);
                final GroupContext a = contexts.get(group);
                for (int i = rs.size() - 1; i >= 0; i--) {
                    if (rs.get(i).held()) {
                        found.incrementAndGet();
                        a.log(rs.get(i).config().name(), "still up from an earlier run of this agent (it did not "
                            + "stop cleanly): releasing it before anything else");
                        rs.get(i).deactivate(a);
                    }
                }
            }));
        }
        for (final java.util.concurrent.Future<?> f : done) {
            try {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.line("releasing stale resources: " + e);
            }
        }
        return found.get();
    }

    /**
     * Warms every floating address's activation path up on its group's worker, in the background (see
     * {@link FloatingIpResource#warmUp}); a run launched meanwhile waits behind it on the same worker. After
     * {@link #releaseStale}.
     */
    public void warmUp() {
        for (int g = 0; g < resources.size(); g++) {
            final int group = g;
            final List<FloatingIpResource> ips = floatingIps(g);
            if (ips.isEmpty() || workers[g] == null) {
                continue;
            }
            try {
                workers[g].execute(() -> {
                    for (final FloatingIpResource ip : ips) {
                        ip.warmUp(contexts.get(group));
                    }
                });
            } catch (RejectedExecutionException e) {
                return; // stopping
            }
        }
    }

    @Override
    public void probeHolders(final int group, final ProbeDone done) {
        final List<FloatingIpResource> ips = floatingIps(group);
        if (ips.isEmpty()) {
            done.done(true, null);
            return;
        }
        try {
            workers[group].execute(() -> {
                for (final FloatingIpResource ip : ips) {
                    final String holder = ip.holder(contexts.get(group));
                    if (holder != null) {
                        done.done(false, holder);
                        return;
                    }
                }
                done.done(true, null);
            });
        } catch (RejectedExecutionException e) {
            done.done(false, "the agent is stopping");
        }
    }

    @Override
    public void reassert(final int group) {
        final List<FloatingIpResource> ips = floatingIps(group);
        if (ips.isEmpty()) {
            return;
        }
        try {
            workers[group].execute(() -> {
                for (final FloatingIpResource ip : ips) {
                    ip.reassert(contexts.get(group));
                }
            });
        } catch (RejectedExecutionException e) {
            // the agent is stopping: nothing to announce
        }
    }

    private List<FloatingIpResource> floatingIps(final int group) {
        final List<FloatingIpResource> ips = new ArrayList<>();
        for (final GroupResource r : resources.get(group)) {
            if (r instanceof FloatingIpResource ip) {
                ips.add(ip);
            }
        }
        return ips;
    }

    /** Worker thread: releases the first {@code count} resources of {@code group} in reverse order. */
    private void release(final int group, final int count) {
        final GroupContext a = contexts.get(group);
        final List<GroupResource> rs = resources.get(group);
        for (int i = count - 1; i >= 0; i--) {
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
