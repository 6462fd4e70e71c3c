package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import armd.action.ScriptRunner;
import armd.base.AgentLog;
import armd.base.SystemLoggers;
import armd.agent.ClusterAgent;
import armd.agent.ConfigReload;
import armd.heartbeat.DiskHeartbeat;
import armd.probe.Tiebreak;
import armd.agent.ControlBridge;
import armd.agent.Guardian;
import armd.action.ResourceEvents;
import armd.agent.ScriptRunnerLauncher;
import armd.agent.DetectionRecorder;
import armd.agent.ServiceNotifier;
import armd.agent.StatusDetails;
import armd.agent.TransitionLog;
import armd.status.StatusServer;
import armd.agent.StateFileMemory;
import armd.agent.UdpHeartbeatLink;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.cluster.NodeMemory;
import armd.cluster.Op;
import armd.config.ClusterConfig;
import armd.config.ClusterKey;
import armd.config.ConfigParser;
import armd.monitor.MonitorEngine;
import armd.monitor.MonitoredLauncher;
import armd.resource.ResourceLauncher;
import armd.sys.SysException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * {@code armd run}: the cluster agent of one server. Runs until SIGTERM/SIGINT, which stops this server's
 * groups and hands them over (a server shutdown) before exiting; SIGHUP reloads the configuration
 * ({@link ConfigReload}).
 */
public final class RunCommand implements Command {
    static final String USAGE = """
        usage: armd run --config FILE --server NAME [--socket PATH] [--state-dir DIR] [--log-level LEVEL]
                        [--super SUPERFILE [--force-return]]
               armd run --super SUPERFILE --server NAME [--socket PATH] [--state-dir DIR] [--log-level LEVEL]
          Runs the cluster agent of server NAME (a [server NAME] section of FILE) in the foreground; the log
          goes to standard output (to the journal, with priorities, under systemd). --socket and --state-dir
          override the configuration (for several agents on one machine). --log-level: error, warning, info
          or debug (default: [cluster] log-level, else info). SIGTERM or SIGINT: this server's groups stop
          (SERVERSHUTDOWN) and move on, then exit 0. SIGHUP: the configuration is read again; what can change
          while the agent runs is applied, the rest is logged as needing a restart; nothing moves.
          --super: the server is in the super cluster of SUPERFILE. A master server runs the management
          service; every server takes newer versions of its cluster's configuration from the management server
          (through the reload path). Without --config the configuration is fetched from the management server
          before the agent does anything else (or, with start-from-copy, is the last verified copy).
          --force-return: a master server accepts changes alone until it hears another one (the others are down).
        exit codes: 0 stopped cleanly, 1 another agent already runs this server, 2 bad configuration or command
          line, 3 system error (address not on this host, port in use, state directory full or not writable).""";

    @Override
    public int run(final String[] argv) throws Exception {
        final Args args = Args.parse(argv, Set.of("config", "server", "socket", "state-dir", "log-level", "super"),
            Set.of("help", "force-return"));
        if (args.flag("help")) {
            System.out.println(USAGE);
            return Exit.OK;
        }
        args.maxPositionals(0);
        if (args.value("config") == null && args.value("super") == null) {
            throw OperatorException.usage("give --config FILE (the cluster's configuration), or --super FILE (the "
                + "super cluster file: the configuration comes from its management server)");
        }
        final String name = args.required("server");
        final AgentLog.Level given = AgentLog.Level.of(args.value("log-level", "info"));
        if (given == null) {
            throw OperatorException.usage("--log-level takes error, warning, info or debug, not '"
                + args.value("log-level") + "'");
        }
        // the super cluster first: without --config the cluster's configuration comes from it
        final SuperSide superSide = args.value("super") == null ? null
            : SuperSide.open(Path.of(args.value("super")), name, given, args.flag("force-return"));
        if (superSide == null && args.flag("force-return")) {
            throw OperatorException.usage("--force-return is for a master server of a super cluster: give --super "
                + "FILE");
        }
        final Path file = args.value("config") != null ? Path.of(args.value("config")) : superSide.copyFile();
        final ClusterConfig config = args.value("config") != null ? ConfigParser.load(file)
            : superSide.startConfig();
        if (superSide != null && !config.name().equals(superSide.member().cluster())) {
            throw OperatorException.usage(file + " is the configuration of cluster " + config.name() + ", but the "
                + "super cluster file puts server " + name + " in cluster " + superSide.member().cluster());
        }
        // the command line's level first (a debugging session), then the file's
        final AgentLog.Level level = args.value("log-level") == null && config.actions().logLevel() != null
            ? config.actions().logLevel() : given;
        final ClusterConfig.Server me = config.server(name).orElseThrow(() -> OperatorException.usage(
            "server '" + name + "' is not in " + file + " (its servers: "
                + config.servers().stream().map(ClusterConfig.Server::name).collect(Collectors.joining(", "))
                + ")"));
        final byte[] key = ClusterKey.load(config.keyFile());
        final Path socket = args.value("socket") != null ? Path.of(args.value("socket")) : config.socketPath();
        final Path stateDir = (args.value("state-dir") != null ? Path.of(args.value("state-dir"))
            : config.stateDir()).resolve(name);
        // one agent per server: before anything is read, sent or logged, hold the state directory's lock
        final FileChannel lock = lockStateDir(stateDir, name);
        // the journal's stream when systemd gave one (priority prefixes), else timestamped lines on stdout
        final AgentLog log = superSide != null ? superSide.log() : AgentLog.forProcess(name, level);
        log.threshold(level);
        SystemLoggers.install(log);
        // SIGHUP reloads the configuration: never the JVM's default, which would run the shutdown hook (a failover)
        final AtomicReference<ConfigReload> reloadRef = new AtomicReference<>();
        final java.util.concurrent.ExecutorService reloads = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("armd-reload").daemon().unstarted(r));
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> reloads.execute(() -> {
                final ConfigReload reload = reloadRef.get();
                if (reload == null) {
                    log.line("SIGHUP while the agent starts: ignored (send it again once the agent runs)");
                } else {
                    try {
                        // a super cluster's fetched version waiting for a request (apply = manual) is the request's
                        final armd.supercluster.ConfigStore.Copy waiting = superSide == null ? null
                            : superSide.pending();
                        if (waiting != null) {
                            superSide.apply(waiting, () -> reload.reload().valid());
                        } else {
                            reload.reload();
                        }
                    } catch (RuntimeException e) {
                        // never a stack trace, and never the end of the agent: the reload alone failed
                        log.error("configuration reload failed: " + e + "; the agent runs on as before");
                    }
                }
            }));
        } catch (IllegalArgumentException e) {
            // e.g. a JVM run with -Xrs: then SIGHUP ends the agent like SIGTERM
            log.warning("SIGHUP cannot be handled (" + e.getMessage() + "): it would stop this server like "
                + "SIGTERM; do not reload, restart (remove -Xrs from ARMD_JAVA_OPTS)");
        }
        final String[] groupNames = config.groups().stream().map(ClusterConfig.Group::name).toArray(String[]::new);
        final StateFileMemory memory = new StateFileMemory(stateDir, groupNames, log);
        // the incarnation is a counter in the state, advanced and saved before the first heartbeat carries it
        final NodeMemory saved = memory.load();
        final long incarnation = saved.nextIncarnation();
        if (!memory.save(saved)) {
            throw OperatorException.system("state directory " + stateDir + ": cannot save the state (see the line "
                + "above; free space on its file system, or set another state-dir)");
        }

        final String bin = System.getProperty("armd.bin");
        final ScriptRunner runner = new ScriptRunner(ScriptRunner.Settings.of(bin == null ? null : Path.of(bin),
            socket), ScriptRunner.OutputSink.to(log));
        // resources and monitors report to the agent, which is made after them: forward through a reference
        final AtomicReference<ClusterAgent> agentRef = new AtomicReference<>();
        final ResourceEvents events = new ResourceEvents() {
            @Override
            public void failed(final int g, final String n, final FailureAction a, final Destination d,
                               final String r) {
                agentRef.get().failed(g, n, a, d, r);
            }

            @Override
            public void normalAgain(final int g, final String n) {
                agentRef.get().normalAgain(g, n);
            }
        };
        final TransitionLog transitions = new TransitionLog();
        final ScriptRunnerLauncher scripts = new ScriptRunnerLauncher(config, runner, log, transitions);
        final ResourceLauncher resources = new ResourceLauncher(config, scripts, log);
        // before anything else: nothing runs here yet, so an address or a mount still up is a crashed run's
        resources.releaseStale();
        // the first failover is usually the only one: its code runs once now, cold, instead of then
        resources.warmUp();
        final UdpHeartbeatLink link;
        try {
            link = new UdpHeartbeatLink(config, me.id(), key, incarnation, log);
        } catch (SysException e) {
            throw OperatorException.system("heartbeat on " + me.addresses() + " port " + config.heartbeat().port()
                + ": " + e.getMessage() + " (is each address of [server " + name + "] configured on this host?)");
        }
        // a loaded machine may take a while to run the new thread: without the wait, "refused" was logged for a
        // sender that had not started yet
        for (int i = 0; i < 1000 && link.schedulerResult() == armd.heartbeat.HeartbeatSender.NOT_STARTED; i++) {
            Thread.sleep(2);
        }
        if (link.schedulerResult() == armd.heartbeat.HeartbeatSender.NOT_STARTED) {
            log.warning("heartbeat sender thread not running after 2 s (a loaded machine?): its priority is not known");
        } else if (link.schedulerResult() != 0) {
            log.warning("heartbeat sender runs at normal priority (SCHED_FIFO refused: " + link.schedulerResult()
                + "); heartbeats may be late on a loaded machine");
        }
        // the guardian learns what to release and how to say "gone" before the agent can hold anything
        final Guardian guardian = Guardian.fromEnvironment(config, log);
        if (guardian != null) {
            guardian.arm(link.lastWords(), true);
            link.onIncarnation(() -> guardian.arm(link.lastWords(), false));
        }
        final MonitorEngine monitors = new MonitorEngine(config, me.id(), log, events);
        final MonitoredLauncher monitored = new MonitoredLauncher(config, resources, monitors);
        final ClusterAgent agent = new ClusterAgent(config, me.id(), link, monitored, memory, saved, log);
        agentRef.set(agent);
        final DiskHeartbeat disk = diskPath(config, me.id(), key, incarnation, agent);
        agent.partitionTiebreak(disk, config.tiebreak() == null ? null : new Tiebreak(config.tiebreak().targets(),
            config.tiebreak().needed(), config.tiebreak().timeoutMs(), config.tiebreak().tries()));
        final DetectionRecorder detections = new DetectionRecorder(agent, link.pathStats(), config.servers().size());
        final StatusDetails details = new StatusDetails(config, link.pathStats(), transitions, resources::state,
            monitors::state).withDetections(detections);
        if (superSide != null) {
            details.withSuperCluster(superSide::status);
        }
        agent.statusDetails(details);
        final ControlBridge control = ControlBridge.start(config, agent, me.id(), socket, log);
        if (superSide != null) {
            control.superControl(superSide);
        }
        final StatusServer page = statusPage(config, agent, log);
        // READY=1 once the control socket listens (above) and the sender has sent (or tried) a first heartbeat
        final ServiceNotifier notifier = ServiceNotifier.fromEnvironment(() -> config.servers().size() == 1
            || heartbeatsGoing(link),
            "serving server " + name + " of cluster " + config.name(), log);
        // every turn of the agent loop: the service manager's watchdog, and the peers found down (detection latency)
        agent.onTurn(nowNs -> {
            notifier.accept(nowNs);
            detections.accept(nowNs);
        });

        // a super cluster's server reloads from its copy once it runs on one (SIGHUP too), else from the file
        final ConfigParser fileParser = new ConfigParser();
        final ConfigReload.Source source = () -> superSide != null && superSide.readsCopy()
            ? superSide.parseCopy() : fileParser.parse(file);
        final ConfigReload reload = new ConfigReload(file, source, config, key, given, log, changes -> {
            final ClusterConfig c = changes.effective();
            scripts.reconfigure(c);
            resources.scriptTimeouts(c);
            agent.reconfigure(c);
            monitored.reconfigure(c, changes.monitorGroups());
        });
        reloadRef.set(reload);
        if (superSide != null) {
            superSide.reloadWith(reloads, reload);
            // a newer version from the management server goes through the reload path, serialized with SIGHUP
            superSide.startPolling(copy -> reloads.execute(() -> superSide.apply(copy, () -> reload.reload()
                .valid())));
        }

        final CountDownLatch stopped = new CountDownLatch(1);
        // the bound follows the script timeouts a reload applied
        final Thread hook = new Thread(() -> shutdown(agent, me.id(), log, notifier, stopped,
            maxScriptTimeoutMs(reload.running()) * 2 + 5_000), "armd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        log.line("armd agent of server " + name + " (id " + me.id() + ") of cluster " + config.name()
            + ": heartbeats every " + config.heartbeat().intervalMs() + " ms, timeout "
            + config.heartbeat().timeoutMs() + " ms, control socket " + socket);
        try {
            agent.run();
            if (guardian != null && agent.holdsNothing()) {
                guardian.disarm();
            }
        } finally {
            control.close();
            if (superSide != null) {
                superSide.close();
            }
            if (page != null) {
                page.close();
            }
            link.close();
            if (disk != null) {
                disk.close();
            }
            monitored.close();
            resources.close();
            runner.close();
            agent.close();
            notifier.close();
            if (memory.failedSaves() > 0) {
                log.line("the state could not be saved (" + memory.failedSaves() + " failed saves): the next start "
                    + "of this server counts as after a crash (isolated until 'armd server return')");
            }
            log.line("agent stopped");
            log.flush();
            lock.close();
            stopped.countDown();
        }
        return Exit.OK;
    }

    /**
     * The shutdown hook (SIGTERM, SIGINT): a server shutdown through the agent thread, then an orderly exit 0.
     * Bounded whatever the agent thread does: when it has already ended (its loop failed) the hook returns at
     * once; when it stops taking work (stuck in the kernel, e.g. on a frozen or dead disk) for
     * {@link #STUCK_MS}, or the shutdown takes longer than {@code limitMs}, the hook logs it and exits.
     */
    private static void shutdown(final ClusterAgent agent, final int self, final AgentLog log,
                                 final ServiceNotifier notifier, final CountDownLatch stopped, final long limitMs) {
        if (stopped.getCount() == 0) {
            return;
        }
        log.line("signal received: shutting this server down (groups stop and move on)");
        notifier.stopping();
        final CountDownLatch done = new CountDownLatch(1);
        agent.operation(Op.SERVER_SHUTDOWN, -1, self, r -> done.countDown(), r -> {
            log.error(r);
            done.countDown();
        });
        try {
            final long deadlineNs = System.nanoTime() + limitMs * 1_000_000L;
            while (!done.await(1, TimeUnit.SECONDS)) {
                if (stopped.getCount() == 0) {
                    log.line("the agent thread has ended: no orderly shutdown");
                    return;
                }
                final CountDownLatch alive = new CountDownLatch(1);
                agent.execute(alive::countDown);
                if (!alive.await(STUCK_MS, TimeUnit.MILLISECONDS)) {
                    log.line("the agent thread has taken no work for " + STUCK_MS / 1000 + " s (stuck, e.g. on a "
                        + "frozen or failing disk): exiting without an orderly shutdown");
                    log.flush();
                    Runtime.getRuntime().halt(Exit.SYSTEM);
                }
                if (System.nanoTime() - deadlineNs > 0) {
                    log.line("the server shutdown is not complete after " + limitMs / 1000 + " s: exiting anyway");
                    break;
                }
            }
            agent.stop();
            if (stopped.await(STUCK_MS, TimeUnit.MILLISECONDS)) {
                // a signal-started exit would end with 128+signal: this one was orderly, say so (exit 0)
                log.flush();
                Runtime.getRuntime().halt(Exit.OK);
            }
            log.line("the agent did not stop within " + STUCK_MS / 1000 + " s of the shutdown: exiting");
            log.flush();
            Runtime.getRuntime().halt(Exit.SYSTEM);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long the agent thread may take no work before the shutdown hook gives up on it. */
    static final long STUCK_MS = 5_000;

    /**
     * Locks {@code dir}/agent.lock for the life of this process (released by the kernel when it dies, even by
     * kill -9); a second agent for the same server stops here, before it touches the state or sends a heartbeat.
     */
    static FileChannel lockStateDir(final Path dir, final String server) {
        final Path file = dir.resolve("agent.lock");
        try {
            // a new state directory (and any parent made for it) is private: 0700 (a umask only takes bits away)
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
            final FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (ch.tryLock() == null) {
                ch.close();
                throw new OperatorException(Exit.FAULT, "another armd agent is running server " + server
                    + " (it holds " + file + "): stop it first");
            }
            return ch;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            throw new OperatorException(Exit.FAULT, "this process already runs server " + server);
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "state directory " + dir + ": " + e.getMessage()
                + " (check state-dir in the configuration)");
        }
    }

    /** The status page and /metrics at [cluster] status-listen; a port in use is logged, the agent runs on. */
    private static StatusServer statusPage(final ClusterConfig config, final ClusterAgent agent, final AgentLog log) {
        final java.net.InetSocketAddress at = config.actions().statusListen();
        if (at == null) {
            return null;
        }
        try {
            final StatusServer s = StatusServer.start(at, agent::snapshot);
            log.info("status page on http://" + (at.getAddress() instanceof java.net.Inet6Address
                ? "[" + at.getAddress().getHostAddress() + "]" : at.getAddress().getHostAddress()) + ":"
                + s.address().getPort() + "/ (metrics on /metrics)");
            return s;
        } catch (IOException e) {
            log.warning("status page on " + at + ": " + e.getMessage() + "; the agent runs without it (set "
                + "[cluster] status-listen to a free address, or off)");
            return null;
        }
    }

    /** Whether the sender has sent (or tried) a heartbeat; a one-server cluster has nobody to send to. */
    private static boolean heartbeatsGoing(final UdpHeartbeatLink link) {
        final armd.heartbeat.HeartbeatStats s = link.stats();
        for (int p = 0; p < s.paths(); p++) {
            if (s.sent(p) + s.sendErrors(p) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The disk heartbeat path of {@code [disk-heartbeat]}, started, or null when the section is absent; its beats go
     * to {@code agent}. A device that cannot be opened is reported by the path itself as "not working" (the
     * networks then decide alone), not as a reason to refuse to start.
     */
    private static DiskHeartbeat diskPath(final ClusterConfig config, final int self, final byte[] key,
                                          final long incarnation, final ClusterAgent agent) {
        final ClusterConfig.DiskHeartbeat d = config.diskHeartbeat();
        if (d == null) {
            return null;
        }
        final DiskHeartbeat disk = new DiskHeartbeat(d.device().toString(), d.sector(), self, config.servers().size(),
            key, armd.wire.HeartbeatFrame.clusterId(config.name()), incarnation, d.intervalMs() * 1_000_000L,
            d.timeoutMs() * 1_000_000L, agent);
        disk.start();
        return disk;
    }

    private static long maxScriptTimeoutMs(final ClusterConfig config) {
        long max = 0;
        for (final ClusterConfig.Group g : config.groups()) {
            max = Math.max(max, g.scriptTimeoutMs());
        }
        return max;
    }
}
