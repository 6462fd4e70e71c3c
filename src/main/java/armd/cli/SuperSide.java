package armd.cli;

import armd.agent.SuperControl;
import armd.base.AgentLog;
import armd.base.Exit;
import armd.control.ControlReply;
import armd.supercluster.PushAnswer;
import armd.supercluster.SuperClient;
import armd.base.OperatorException;
import armd.config.ClusterConfig;
import armd.config.ClusterKey;
import armd.config.ConfigParser;
import armd.config.Problem;
import armd.config.SuperConfig;
import armd.config.SuperConfigParser;
import armd.status.ClusterStatus;
import armd.supercluster.ConfigStore;
import armd.supercluster.SuperMember;
import armd.supercluster.SuperService;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code armd run --super FILE}: the agent's part in a super cluster (docs/behaviour.md#super-cluster), wired
 * together. Every server keeps its copies in its super store (locked for the life of the agent); a master server
 * also runs the super service; without {@code --config} the cluster's configuration is the copy fetched from the
 * management server at start.
 */
final class SuperSide implements AutoCloseable, SuperControl {
    private final SuperConfig config;
    private final byte[] key;
    private final SuperConfig.Member member;
    private final ConfigStore store;
    private final SuperService service;
    private final SuperMember side;
    private final AgentLog log;
    private final FileChannel lock;

    private SuperSide(final SuperConfig config, final byte[] key, final SuperConfig.Member member,
                      final ConfigStore store, final SuperService service, final SuperMember side, final AgentLog log,
                      final FileChannel lock) {
        this.config = config;
        this.key = key;
        this.member = member;
        this.store = store;
        this.service = service;
        this.side = side;
        this.log = log;
        this.lock = lock;
    }

    /** Reads the super cluster file, locks and opens this server's store, starts the service on a master server. */
    static SuperSide open(final Path file, final String server, final AgentLog.Level level,
                          final boolean forceReturn) {
        final SuperConfig config = SuperConfigParser.load(file);
        final SuperConfig.Member member = config.server(server).orElseThrow(() -> OperatorException.usage(
            "server '" + server + "' is not in the super cluster file " + file + " (its servers: "
                + config.allServers().stream().map(SuperConfig.Member::name).collect(Collectors.joining(", "))
                + ")"));
        final boolean master = member.cluster().equals(config.master());
        if (forceReturn && !master) {
            throw OperatorException.usage("--force-return: server " + server + " is not a server of the master "
                + "cluster " + config.master());
        }
        final byte[] key = ClusterKey.load(config.keyFile());
        final Path dir = ConfigStore.directory(config.stateDir(), server);
        final FileChannel lock = RunCommand.lockStateDir(dir, server);
        final AgentLog log = AgentLog.forProcess(server, level);
        final ConfigStore store;
        try {
            store = ConfigStore.open(dir, key);
        } catch (IOException e) {
            throw OperatorException.system("super cluster store " + dir + ": " + e.getMessage()
                + " (check [super] state-dir in " + file + ")");
        }
        for (final String p : store.problems()) {
            log.warning("super cluster " + config.name() + ": " + p + " (treated as absent)");
        }
        final SuperService service = master ? SuperService.start(config, key, server, store, log) : null;
        if (forceReturn) {
            service.forceReturn();
        }
        try {
            return new SuperSide(config, key, member, store, service, new SuperMember(config, key, server, store,
                service, log), log, lock);
        } catch (IOException e) {
            throw OperatorException.system("super cluster " + config.name() + ": " + e.getMessage());
        }
    }

    /** This server in the super cluster file. */
    SuperConfig.Member member() {
        return member;
    }

    /** The log, made before the cluster's configuration is known. */
    AgentLog log() {
        return log;
    }

    /** The super service (master servers), or null. */
    SuperService service() {
        return service;
    }

    /** The file of this server's copy of its cluster's configuration. */
    Path copyFile() {
        return store.file(member.cluster());
    }

    /**
     * The configuration to start from when no {@code --config} is given: the management server's (fetched,
     * verified and stored here), or a master server's own stored copy.
     */
    ClusterConfig startConfig() {
        final ConfigStore.Copy copy;
        if (service != null) {
            copy = store.copy(member.cluster()).orElseThrow(() -> OperatorException.usage("master server "
                + member.name() + " holds no copy of cluster " + member.cluster() + "'s configuration yet: start it "
                + "with --config FILE the first time"));
        } else {
            try {
                copy = side.fetchAtStart(this::hostProblems);
            } catch (IOException e) {
                throw OperatorException.system("super cluster " + config.name() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw OperatorException.system("interrupted while fetching the configuration");
            }
        }
        final ConfigParser.Result r = parse(copy.bytes());
        if (!r.valid()) {
            throw OperatorException.usage(r.problems().stream().map(Problem::toString)
                .collect(Collectors.joining("; ")));
        }
        side.runningOn(copy.version());
        return r.config();
    }

    /** The copy a reload is applying now (the poll's), or null: then the reload reads the store's. */
    private volatile ConfigStore.Copy applying;

    /** Whether a reload reads the copy (the agent runs on one, or is taking one on) rather than a file. */
    boolean readsCopy() {
        return applying != null || side.version() > 0;
    }

    /**
     * Applies {@code copy} through {@code reload} (the reload path, serialized with SIGHUP by the caller): the
     * reload reads exactly this copy, and the agent runs on its version once the reload took it.
     */
    void apply(final ConfigStore.Copy copy, final java.util.function.BooleanSupplier reload) {
        log.line("super cluster: applying version " + copy.version() + " of cluster " + member.cluster()
            + " (running on " + (side.version() == 0 ? "the local file" : "version " + side.version()) + ")");
        applying = copy;
        try {
            if (reload.getAsBoolean()) {
                side.runningOn(copy.version());
            }
        } finally {
            applying = null;
        }
    }

    private java.util.concurrent.Executor reloads;
    private armd.agent.ConfigReload reload;

    /** The reload path an operator's apply request goes through ({@code reloads} serializes it with SIGHUP's). */
    void reloadWith(final java.util.concurrent.Executor serial, final armd.agent.ConfigReload r) {
        this.reloads = serial;
        this.reload = r;
    }

    /** With apply = manual: the verified version waiting for an operator's request, or null. */
    ConfigStore.Copy pending() {
        return side.pending();
    }

    @Override
    public void apply(final ControlReply reply) {
        if (reloads == null) {
            reply.refused("the agent is starting: ask again once it runs");
            return;
        }
        reloads.execute(() -> {
            final ConfigStore.Copy copy = side.pending();
            if (copy == null) {
                reply.ok("nothing newer to apply: cluster " + member.cluster() + " runs on version "
                    + side.version());
                return;
            }
            apply(copy, () -> reload.reload().valid());
            if (side.version() == copy.version()) {
                reply.ok("cluster " + member.cluster() + ": version " + copy.version() + " applied (the log says "
                    + "what took effect and what needs a restart)");
            } else {
                reply.refused("cluster " + member.cluster() + ": version " + copy.version() + " not applied (see the"
                    + " log); running on version " + side.version());
            }
        });
    }

    /** The copy to reload from, parsed with this host's checks (the reload's source). */
    ConfigParser.Result parseCopy() {
        final ConfigStore.Copy pending = applying;
        final ConfigStore.Copy c = pending != null ? pending : store.copy(member.cluster()).orElse(null);
        if (c == null) {
            return new ConfigParser.Result(null, List.of(new Problem(copyFile(), 0, "no copy held")));
        }
        return parse(c.bytes());
    }

    private ConfigParser.Result parse(final byte[] bytes) {
        return new ConfigParser().parse(bytes, copyFile(), config.baseDir(), true);
    }

    private List<String> hostProblems(final byte[] bytes) {
        return parse(bytes).problems().stream().map(Problem::toString).toList();
    }

    /** The version the agent runs on now (0: its own file). */
    long version() {
        return side.version();
    }

    /** Polls for newer versions of the cluster's configuration; a verified one goes to {@code apply}. */
    void startPolling(final Consumer<ConfigStore.Copy> apply) {
        side.startPolling(this::hostProblems, apply);
    }

    /** The agent now runs on {@code version} (a reload applied it). */
    void runningOn(final long version) {
        side.runningOn(version);
    }

    /** The status's super cluster part. */
    ClusterStatus.SuperCluster status() {
        final String holder = side.holder();
        return new ClusterStatus.SuperCluster(config.name(), config.master(), holder == null || holder.isEmpty()
            ? null : holder, side.accepting(), side.note(), side.version());
    }

    /** The super cluster file. */
    SuperConfig config() {
        return config;
    }

    /** The super cluster key. */
    byte[] key() {
        return key.clone();
    }

    /** The agent's side (pushes asked through the control socket). */
    SuperMember side() {
        return side;
    }

    @Override
    public void push(final Path file, final ControlReply reply) {
        // the answer waits for the replication: never on the control socket's thread
        Thread.ofVirtual().name("armd-super-push").start(() -> {
            final byte[] bytes;
            final String cluster;
            try {
                bytes = ConfigCommand.fromCopy(ConfigCommand.readPushed(file), file, key);
                cluster = ConfigCommand.clusterOf(bytes, file, config);
            } catch (OperatorException e) {
                // the operator's file: its problems, one a line, to armconf (exit 2)
                reply.usage(e.getMessage());
                return;
            } catch (RuntimeException e) {
                reply.system("push of " + file + ": " + e.getMessage());
                return;
            }
            if (cluster == null) {
                reply.usage(file + ": its [cluster] name is not a cluster of super cluster " + config.name());
                return;
            }
            log.line("armconf: pushing " + file + " (cluster " + cluster + ") to the management server");
            try {
                final SuperClient.Reply r = side.push(cluster, bytes, key);
                final PushAnswer a = PushAnswer.of(cluster, r);
                log.line("armconf: " + a.text().replace('\n', ' '));
                switch (a.exit()) {
                    case Exit.OK -> reply.ok(a.text());
                    case Exit.USAGE -> reply.usage(a.text());
                    case Exit.SYSTEM -> reply.system(a.text());
                    default -> reply.refused(a.text());
                }
            } catch (IOException | RuntimeException e) {
                reply.system("push of " + file + ": " + e.getMessage());
            }
        });
    }

    @Override
    public void forceReturn(final ControlReply reply) {
        if (service == null) {
            reply.refused("server " + member.name() + " is not a server of the master cluster " + config.master()
                + ": forced return is for a master server");
            return;
        }
        service.forceReturn().completeOnTimeout("the super cluster service did not answer within 10 s", 10,
            java.util.concurrent.TimeUnit.SECONDS).thenAccept(refused -> {
                if (refused == null) {
                    reply.ok("forced return: " + member.name() + " takes the management role and accepts changes "
                        + "alone until it hears another master server");
                } else {
                    reply.refused("forced return refused: " + refused);
                }
            });
    }

    @Override
    public void close() {
        side.close();
        if (service != null) {
            service.close();
        }
        try {
            lock.close();
        } catch (IOException e) {
            // released by the kernel at exit anyway
        }
    }
}
