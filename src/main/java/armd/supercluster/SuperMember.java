package armd.supercluster;

import armd.base.AgentLog;
import armd.base.Exit;
import armd.base.OperatorException;
import armd.config.SuperConfig;
import armd.wire.SuperFrame;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A server's side of the super cluster (docs/behaviour.md#super-cluster): its own cluster's configuration from the
 * management server. At start ({@link #fetchAtStart}) the agent gets the newest version, verifies it (authentic,
 * for its cluster, not older than its local copy, valid on this host), keeps it as its local copy (written
 * atomically) and only then acts as a cluster member; while running ({@link #startPolling}) it asks for a newer
 * version every poll interval and hands a verified one to the reload path. A master server reads its own store
 * instead of asking over the network ({@code local}).
 */
public final class SuperMember implements AutoCloseable {
    private final SuperConfig config;
    private final String server;
    private final String cluster;
    private final ConfigStore store;
    private final SuperClient client;
    private final SuperService local;
    private final AgentLog log;
    private volatile String lastFrom = "";
    private volatile Instant lastAt;
    private volatile long version;
    private Thread poller;
    private volatile boolean closed;
    /** With apply = manual: a verified version newer than the running one, kept until an operator asks. */
    private volatile ConfigStore.Copy pending;

    /**
     * The super cluster side of {@code server}: its copies in {@code store}; {@code local} is the super service when
     * this server is a master server (its store is then {@code store}), else null.
     */
    public SuperMember(final SuperConfig config, final byte[] key, final String server, final ConfigStore store,
                       final SuperService local, final AgentLog log) throws IOException {
        this.config = config;
        this.server = server;
        this.cluster = config.server(server).orElseThrow().cluster();
        this.store = store;
        this.local = local;
        this.log = log;
        this.client = local == null ? new SuperClient(config, key, server, config.requestTimeoutMs(),
            config.server(server).orElseThrow().address()) : null;
    }

    /** This server's cluster. */
    public String cluster() {
        return cluster;
    }

    /** The version of the cluster's configuration the agent runs on (0: its own file). */
    public long version() {
        return version;
    }

    /** The agent runs on {@code v} now (the start's copy, or one a reload applied). */
    public void runningOn(final long v) {
        this.version = v;
        final ConfigStore.Copy p = pending;
        if (p != null && p.version() <= v) {
            pending = null;
        }
    }

    /** With apply = manual: the verified version waiting for an operator's request, or null. */
    public ConfigStore.Copy pending() {
        return pending;
    }

    /** The management server as this server knows it: the holder (master servers) or who answered last. */
    public String holder() {
        if (local != null) {
            return local.view().holder();
        }
        return lastFrom;
    }

    /** Whether the management server accepts changes, as far as this server knows (master servers only). */
    public boolean accepting() {
        return local != null && local.view().accepting();
    }

    /** One line on how this server knows what {@link #holder} says, or why changes are not accepted. */
    public String note() {
        if (local != null) {
            final SuperService.View v = local.view();
            return v.forced() ? "forced return in effect" : v.reason();
        }
        final Instant at = lastAt;
        return at == null ? "no management server has answered yet"
            : "as it answered at " + at.truncatedTo(ChronoUnit.SECONDS);
    }

    /**
     * The configuration to start from: fetched from the management server and stored here, or the local copy
     * when it is current (or, with start-from-copy, when no management server answers). Waits, saying so once,
     * while no management server answers, at most the fetch timeout (then exit 3). {@code hostProblems} checks
     * a configuration on this host (scripts, key file): one with problems is not stored and ends the start
     * (exit 2), each problem a line.
     */
    public ConfigStore.Copy fetchAtStart(final Function<byte[], List<String>> hostProblems)
        throws IOException, InterruptedException {
        final ConfigStore.Copy held = store.copy(cluster).orElse(null);
        final long deadline = System.nanoTime() + config.fetchTimeoutMs() * 1_000_000L;
        String told = null;
        for (int attempt = 0; attempt < 1_000_000; attempt++) {
            final Got got = fetch(held == null ? 0 : held.version(), hostProblems, true);
            if (got.copy() != null) {
                return got.copy();
            }
            if (!got.why().equals(told)) {
                log.line(got.why());
                told = got.why();
            }
            if (config.startFromCopy() && held != null) {
                log.line("super cluster " + config.name() + ": starting from the last verified copy of cluster "
                    + cluster + ", version " + held.version() + " (" + store.file(cluster) + ")");
                return held;
            }
            if (System.nanoTime() - deadline > 0) {
                throw OperatorException.system("super cluster " + config.name() + ": no configuration of cluster "
                    + cluster + " within fetch-timeout (" + config.fetchTimeoutMs() / 1000 + " s): " + got.why());
            }
            Thread.sleep(Math.min(1_000, config.requestTimeoutMs()));
        }
        throw OperatorException.system("super cluster " + config.name() + ": no configuration of cluster " + cluster);
    }

    /** What one fetch gave: a copy (stored) to use, or why there is none. */
    private record Got(ConfigStore.Copy copy, String why, boolean replaced) {
        Got(final ConfigStore.Copy copy, final String why) {
            this(copy, why, false);
        }
    }

    private Got fetch(final long have, final Function<byte[], List<String>> hostProblems, final boolean atStart)
        throws IOException {
        final SuperFrame.Body body;
        final String from;
        if (local != null) {
            final ConfigStore.Copy c = store.copy(cluster).orElse(null);
            body = c == null ? new SuperFrame.None(cluster) : c.version() <= have
                ? new SuperFrame.Current(cluster, c.version())
                : new SuperFrame.Config(cluster, c.version(), c.sha256(), c.bytes());
            from = server;
        } else {
            final ConfigStore.Copy held = store.copy(cluster).orElse(null);
            final SuperClient.Reply r = client.askManagement(held != null && held.version() == have
                ? new SuperFrame.Fetch(cluster, have, held.sha256()) : new SuperFrame.Fetch(cluster, have));
            if (!r.answered()) {
                return new Got(null, "super cluster " + config.name() + ": no management server answers (tried "
                    + String.join("; ", r.tried()) + "): waiting" + (config.startFromCopy() ? ""
                    : "; set start-from-copy = yes in " + config.file() + " to start from the last verified copy"));
            }
            body = r.body();
            from = r.from().name();
            lastFrom = from;
            lastAt = Instant.now();
        }
        return switch (body) {
            case SuperFrame.Config c -> verified(c, have, from, hostProblems, atStart);
            case SuperFrame.Current c -> {
                final ConfigStore.Copy held = store.copy(cluster).orElse(null);
                yield held != null ? new Got(held, null) : new Got(null, "super cluster " + config.name()
                    + ": " + from + " answered that version " + c.version() + " is current, but no copy is held here");
            }
            // a master server started from its file, its cluster never pushed: nothing to say
            case SuperFrame.None n when local != null && !atStart -> new Got(null, null);
            case SuperFrame.None n -> new Got(null, "super cluster " + config.name() + ": the management server "
                + from + " holds no configuration of cluster " + cluster + ": push it with 'armd config push FILE"
                + " --super " + config.file() + "'");
            default -> new Got(null, "super cluster " + config.name() + ": " + from + " answered "
                + body.type() + " to a fetch");
        };
    }

    private Got verified(final SuperFrame.Config c, final long have, final String from,
                         final Function<byte[], List<String>> hostProblems, final boolean atStart)
        throws IOException {
        if (!c.cluster().equals(cluster)) {
            return new Got(null, "super cluster " + config.name() + ": " + from + " sent the configuration of "
                + "cluster " + AgentLog.escape(c.cluster()) + ", not of " + cluster + ": refused");
        }
        final ConfigStore.Copy held = store.copy(cluster).orElse(null);
        // the same version with other bytes: the management server's wins (a push that was not confirmed left ours)
        final boolean replaces = held != null && c.version() == held.version()
            && !java.util.Arrays.equals(held.sha256(), c.sha256());
        if (c.version() < have || c.version() == have && !replaces) {
            return new Got(null, "super cluster " + config.name() + ": " + from + " sent version " + c.version()
                + " of cluster " + cluster + ", not newer than the copy held (" + have + "): refused as stale");
        }
        final List<String> problems = hostProblems.apply(c.bytes());
        if (!problems.isEmpty()) {
            final String head = "super cluster " + config.name() + ": version " + c.version() + " of cluster "
                + cluster + " (from " + from + ") is not valid on this host; not used: ";
            if (atStart) {
                // at start: the operator's mistake, told like a bad file (exit 2)
                throw new OperatorException(Exit.USAGE, head + String.join("; ", problems));
            }
            return new Got(null, head + String.join("; ", problems));
        }
        final ConfigStore.StoreResult s = local != null ? new ConfigStore.StoreResult(ConfigStore.Outcome.ALREADY,
            c.version(), null) : store.store(cluster, c.version(), c.bytes(), replaces);
        if (s.outcome() == ConfigStore.Outcome.REPLACED) {
            log.warning("super cluster " + config.name() + ": " + s.message() + " (the management server " + from
                + "'s copy wins)");
        }
        if (!s.ok()) {
            return new Got(null, "super cluster " + config.name() + ": " + s.message());
        }
        final ConfigStore.Copy copy = store.copy(cluster).orElseThrow();
        log.line("super cluster " + config.name() + ": configuration of cluster " + cluster + " version "
            + copy.version() + " from " + from + (local == null ? ", verified and stored in " + store.file(cluster)
            : ""));
        return new Got(copy, null, replaces);
    }

    /**
     * Every poll interval (master servers: every second, from their own store), a version newer than the one the
     * agent runs on is verified and handed to {@code apply} (the reload path), off the agent thread.
     */
    public void startPolling(final Function<byte[], List<String>> hostProblems,
                             final Consumer<ConfigStore.Copy> apply) {
        final long intervalMs = local != null ? 1_000 : config.pollIntervalMs();
        poller = Thread.ofPlatform().name("armd-super-poll").daemon().start(() -> {
            String told = null;
            while (!closed) {
                try {
                    Thread.sleep(intervalMs);
                    final Got got = fetch(version, hostProblems, false);
                    if (got.copy() != null && (got.copy().version() > version || got.replaced())) {
                        if (config.autoApply()) {
                            apply.accept(got.copy());
                        } else {
                            final ConfigStore.Copy before = pending;
                            pending = got.copy();
                            if (before == null || before.version() != got.copy().version()) {
                                log.line("super cluster " + config.name() + ": version " + got.copy().version()
                                    + " of cluster " + cluster + " is fetched and verified; apply = manual: apply it "
                                    + "with 'armconf apply' or SIGHUP (systemctl reload)");
                            }
                        }
                    } else if (got.why() != null && !got.why().equals(told)) {
                        log.warning(got.why());
                    }
                    told = got.why();
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    if (!closed) {
                        log.error("super cluster " + config.name() + ": poll: " + e);
                    }
                }
            }
        });
    }

    /**
     * Pushes {@code bytes} as the configuration of {@code cluster} to the management server, made against the
     * version it holds now (the agent does it for {@code armconf push}).
     */
    public SuperClient.Reply push(final String pushCluster, final byte[] bytes, final byte[] key) throws IOException {
        try (SuperClient c = new SuperClient(config, key, server, pushWaitMs(config),
            config.server(server).orElseThrow().address())) {
            return c.push(pushCluster, bytes, -1);
        }
    }

    /** How long a push's answer may take: the management server answers once the replication is done or timed out. */
    public static int pushWaitMs(final SuperConfig config) {
        return config.requestTimeoutMs() * 2 + 1_000;
    }

    @Override
    public void close() {
        closed = true;
        if (poller != null) {
            poller.interrupt();
        }
        if (client != null) {
            client.close();
        }
    }
}
