package armd.supercluster;

import armd.base.AgentLog;
import armd.base.Exit;
import armd.base.OperatorException;
import armd.config.SuperConfig;
import armd.wire.SuperFrame;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The super cluster service of a master server (docs/behaviour.md#super-cluster): one thread, one UDP socket on the
 * super cluster's port at this server's own address. It takes part in the management role's election
 * ({@link ManagementElection}), keeps every cluster's configuration ({@link ConfigStore}), hands copies out (to
 * other clusters' servers when it is the management server as it knows it, to master servers always: that is how a
 * new holder syncs),
 * and, as the accepting holder, takes pushes: validates, stores, replicates ({@link PushCoordinator}) and answers
 * once a majority of the master cluster stored the new version. Everything it receives is authenticated with the
 * super cluster key before it is looked at; what fails is counted by reason and logged at most once a minute.
 */
public final class SuperService implements AutoCloseable {
    /** The longest the thread waits for a datagram before it looks at its timers. */
    private static final int TURN_MS = 50;
    /** A version missing here is asked for again after this long. */
    private static final long SYNC_RETRY_NS = 500_000_000L;
    /** A push's REPLICATEs are sent again after this long without an answer. */
    private static final long RESEND_NS = 300_000_000L;
    /** A copy's store taking longer than this is logged. */
    private static final long SLOW_STORE_MS = 500;
    /** Drops of one reason are logged at most this often. */
    private static final long DROP_LOG_NS = 60_000_000_000L;

    /**
     * What the service knows, for the status: published by its thread after every turn.
     *
     * @param holder    the management server as this server knows it ("" none)
     * @param accepting whether this server accepts changes now
     * @param reason    why not (null when accepting)
     * @param forced    whether forced return is in effect here
     * @param answering how many master servers answer (this one included)
     */
    public record View(String holder, boolean accepting, String reason, boolean forced, int answering) {
    }

    private record Client(SocketAddress at, long nonce, String sender) {
    }

    private final SuperConfig config;
    private final String self;
    private final SuperFrame codec;
    private final ConfigStore store;
    private final AgentLog log;
    private final DatagramSocket socket;
    private final Map<String, SuperConfig.Member> masters = new HashMap<>();
    private final ManagementElection election;
    private final PushCoordinator pushes;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<Long, Client> waiting = new HashMap<>();
    private final Map<Long, String> syncAsked = new HashMap<>();
    private final Map<String, Long> syncAskedAt = new HashMap<>();
    private final Map<SuperFrame.Reason, Long> dropped = new EnumMap<>(SuperFrame.Reason.class);
    private final Map<SuperFrame.Reason, Long> droppedLoggedAt = new EnumMap<>(SuperFrame.Reason.class);
    private final Thread thread;
    private final byte[] buffer = new byte[65_536];
    private long nextPushId = 1;
    private volatile boolean closed;
    private volatile View view = new View("", false, "starting", false, 1);
    private String lastHolder = "";
    private boolean lastAccepting;

    private SuperService(final SuperConfig config, final byte[] key, final String self, final ConfigStore store,
                         final AgentLog log, final DatagramSocket socket) {
        this.config = config;
        this.self = self;
        this.codec = SuperFrame.of(key, config.frameIdentity());
        this.store = store;
        this.log = log;
        this.socket = socket;
        final List<SuperConfig.Member> ms = config.cluster(config.master()).orElseThrow().servers();
        for (final SuperConfig.Member m : ms) {
            masters.put(m.name(), m);
        }
        final List<String> names = ms.stream().map(SuperConfig.Member::name).toList();
        final long now = System.nanoTime();
        this.election = new ManagementElection(self, names, ManagementElection.Timing.standard(), random::nextLong,
            now);
        this.election.committed(store.committed());
        this.pushes = new PushCoordinator(self, names, config.requestTimeoutMs() * 1_000_000L, RESEND_NS,
            random::nextLong);
        this.thread = Thread.ofPlatform().name("armd-super").daemon().unstarted(this::loop);
    }

    /**
     * Starts the service of master server {@code self}, bound to its address in the super cluster file. A port in
     * use or an address not on this host is an operator's problem, told in one line (exit 3).
     */
    public static SuperService start(final SuperConfig config, final byte[] key, final String self,
                                     final ConfigStore store, final AgentLog log) {
        final SuperConfig.Member me = config.server(self).orElseThrow();
        final DatagramSocket socket;
        try {
            socket = new DatagramSocket(new InetSocketAddress(me.address(), config.port()));
            socket.setSoTimeout(TURN_MS);
        } catch (SocketException e) {
            throw new OperatorException(Exit.SYSTEM, "super cluster " + config.name() + ": port " + config.port()
                + " on " + me.address().getHostAddress() + ": " + e.getMessage() + " (is " + me.address()
                .getHostAddress() + " an address of this host, and the port free? see [super] port in "
                + config.file() + ")");
        }
        final SuperService s = new SuperService(config, key, self, store, log, socket);
        s.thread.start();
        log.line("super cluster " + config.name() + ": management service of master server " + self + " on "
            + me.address().getHostAddress() + " port " + config.port() + " (" + store.committed().size()
            + " configuration(s) stored)");
        return s;
    }

    /** What the service knows now. */
    public View view() {
        return view;
    }

    /** The store of every cluster's configuration this service keeps. */
    public ConfigStore store() {
        return store;
    }

    /**
     * Forced return (the operator asserts that the other master servers are down): this server counts as a
     * majority alone until it hears another one. Logged loudly. Completes with null when taken, else with the
     * one-line reason it is refused (another master server answers, or this server's vote is promised to one).
     */
    public java.util.concurrent.CompletableFuture<String> forceReturn() {
        final java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
        tasks.add(() -> {
            final String refused = election.tryForceReturn(System.nanoTime());
            if (refused == null) {
                log.warning("super cluster " + config.name() + ": forced return: " + self + " takes the management "
                    + "role and accepts changes alone until it hears another master server (the operator asserts "
                    + "the others are down)");
            } else {
                log.warning("super cluster " + config.name() + ": forced return refused: " + refused);
            }
            done.complete(refused);
        });
        return done;
    }

    private void loop() {
        final DatagramPacket in = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            try {
                final long now = System.nanoTime();
                for (Runnable t = tasks.poll(); t != null; t = tasks.poll()) {
                    t.run();
                }
                send(election.tick(now));
                step(pushes.tick(now));
                sync(now);
                publish(now);
                try {
                    socket.receive(in);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                handle(in.getLength(), in.getSocketAddress(), System.nanoTime());
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                // one bad turn must not end the service: logged, and the next turn goes on
                log.error("super cluster service: " + AgentLog.escape(String.valueOf(e)));
            }
        }
    }

    private void handle(final int length, final SocketAddress from, final long now) throws IOException {
        final SuperFrame.Decoded d = codec.decode(buffer, 0, length);
        if (!d.ok()) {
            drop(d.reason(), from, d.detail(), now);
            return;
        }
        final SuperFrame.Frame f = d.frame();
        final SuperConfig.Member master = masters.get(f.sender());
        final boolean fromMaster = master != null && !f.sender().equals(self)
            && from instanceof InetSocketAddress a && a.getAddress().equals(master.address());
        if (fromMaster) {
            send(election.received(f.sender(), f.nonce(), f.body(), now));
        }
        switch (f.body()) {
            case SuperFrame.Fetch q -> {
                final String holder = election.holder(now);
                if (fromMaster || holder.equals(self)) {
                    reply(from, f.nonce(), copyFor(q));
                } else {
                    reply(from, f.nonce(), new SuperFrame.NotHolder(q.cluster(), holder));
                }
            }
            case SuperFrame.Push p -> push(p, new Client(from, f.nonce(), f.sender()), now);
            case SuperFrame.Replicate r -> {
                if (fromMaster) {
                    reply(from, f.nonce(), replicate(f.sender(), r, now));
                }
            }
            case SuperFrame.Stored s -> {
                if (fromMaster) {
                    step(pushes.stored(f.sender(), f.nonce(), s, now));
                }
            }
            case SuperFrame.Config c -> {
                if (fromMaster && f.sender().equals(syncAsked.remove(f.nonce()))) {
                    synced(c);
                }
            }
            default -> {
                // HELLO and VOTE went to the election above; the other answers are to nothing asked here
            }
        }
    }

    private SuperFrame.Body copyFor(final SuperFrame.Fetch q) {
        final ConfigStore.Copy c = store.copy(q.cluster()).orElse(null);
        if (c == null) {
            return new SuperFrame.None(q.cluster());
        }
        // the same version with other bytes: this copy wins (a push that was not confirmed left the other bytes)
        if (c.version() < q.haveVersion() || c.version() == q.haveVersion()
            && (java.util.Arrays.equals(c.sha256(), q.haveSha256()) || isZero(q.haveSha256()))) {
            return new SuperFrame.Current(q.cluster(), c.version());
        }
        return new SuperFrame.Config(c.cluster(), c.version(), c.sha256(), c.bytes());
    }

    private void push(final SuperFrame.Push p, final Client client, final long now) throws IOException {
        final SuperFrame.PushResult refused = pushes.refusal(election, p.cluster(), p.baseVersion(),
            p.bytes().length, now);
        if (refused != null) {
            reply(client.at(), client.nonce(), refused);
            return;
        }
        final int n = masters.size();
        final List<String> problems = PushCoordinator.validate(config, p.cluster(), p.bytes());
        if (!problems.isEmpty()) {
            reply(client.at(), client.nonce(), new SuperFrame.PushResult(p.cluster(), SuperFrame.Outcome.INVALID, 0, 0,
                n, self, fit("refused: the configuration has problems:\n" + String.join("\n", problems))));
            return;
        }
        final ConfigStore.Copy held = store.copy(p.cluster()).orElse(null);
        if (held != null && java.util.Arrays.equals(held.bytes(), p.bytes())) {
            // the bytes already current: replicated again, answered once a majority holds them (a push answered
            // "not confirmed" and pushed again is confirmed only so)
            log.line("super cluster " + config.name() + ": cluster " + p.cluster() + " pushed unchanged (version "
                + held.version() + ") by " + AgentLog.escape(client.sender()) + "; replicating it again");
            final long id = nextPushId++;
            waiting.put(id, client);
            step(pushes.begin(id, new SuperFrame.Replicate(held.cluster(), held.version(), held.sha256(),
                held.bytes()), election.forced(), now));
            return;
        }
        // each generation (a new master cluster) counts from its own million: never below an older one's versions
        final long version = Math.max(PushCoordinator.nextVersion(election, p.cluster()),
            config.generation() * SuperConfig.VERSIONS_PER_GENERATION + 1);
        try {
            timedStore(p.cluster(), version, p.bytes());
        } catch (IOException e) {
            reply(client.at(), client.nonce(), new SuperFrame.PushResult(p.cluster(),
                SuperFrame.Outcome.NOT_CONFIRMED, 0, 0, n, self, fit("not stored: " + store.file(p.cluster()) + ": "
                + e.getMessage() + " (free space on the state directory's file system)")));
            return;
        }
        final ConfigStore.Copy c = store.copy(p.cluster()).orElseThrow();
        election.committed(c.committed());
        log.line("super cluster " + config.name() + ": cluster " + p.cluster() + " version " + version
            + " pushed by " + AgentLog.escape(client.sender()) + " and stored here; replicating");
        final long id = nextPushId++;
        waiting.put(id, client);
        step(pushes.begin(id, new SuperFrame.Replicate(c.cluster(), c.version(), c.sha256(), c.bytes()),
            election.forced(), now));
    }

    private SuperFrame.Stored replicate(final String from, final SuperFrame.Replicate r, final long now)
        throws IOException {
        if (!election.mayStoreReplicaFrom(from, now) || config.cluster(r.cluster()).isEmpty()) {
            return new SuperFrame.Stored(r.cluster(), r.version(), false, store.version(r.cluster()));
        }
        // from the server this one promised its vote to: its copy wins over other bytes of the same version (a
        // holder never reuses a confirmed version: it synced from its voters first)
        final ConfigStore.StoreResult s = timedStore(r.cluster(), r.version(), r.bytes(), true);
        if (s.outcome() == ConfigStore.Outcome.REPLACED) {
            election.committed(store.copy(r.cluster()).orElseThrow().committed());
            log.warning("super cluster " + config.name() + ": " + s.message());
        } else if (s.outcome() == ConfigStore.Outcome.STORED) {
            election.committed(store.copy(r.cluster()).orElseThrow().committed());
            log.line("super cluster " + config.name() + ": cluster " + r.cluster() + " version " + r.version()
                + " stored (from " + from + ")");
        } else if (!s.ok()) {
            log.warning("super cluster " + config.name() + ": " + s.message());
        }
        return new SuperFrame.Stored(r.cluster(), r.version(), s.ok(), s.held());
    }

    private void synced(final SuperFrame.Config c) throws IOException {
        if (config.cluster(c.cluster()).isEmpty()) {
            return;
        }
        final ConfigStore.StoreResult s = timedStore(c.cluster(), c.version(), c.bytes());
        if (!s.ok()) {
            log.warning("super cluster " + config.name() + ": sync: " + s.message());
        }
        if (s.outcome() == ConfigStore.Outcome.STORED) {
            election.committed(store.copy(c.cluster()).orElseThrow().committed());
            log.line("super cluster " + config.name() + ": cluster " + c.cluster() + " version " + c.version()
                + " synced from another master server");
        }
    }

    private void sync(final long now) {
        for (final ManagementElection.SyncTarget t : election.syncTargets(now)) {
            final Long at = syncAskedAt.get(t.cluster());
            if (at != null && now - at < SYNC_RETRY_NS) {
                continue;
            }
            syncAskedAt.put(t.cluster(), now);
            final long nonce = random.nextLong();
            syncAsked.put(nonce, t.peer());
            if (syncAsked.size() > 256) {
                syncAsked.clear(); // answers that never came: bounded
            }
            send(List.of(new Outgoing(t.peer(), nonce, new SuperFrame.Fetch(t.cluster(),
                store.version(t.cluster())))));
        }
    }

    private void step(final PushCoordinator.Step s) throws IOException {
        send(s.send());
        for (final PushCoordinator.Finished f : s.finished()) {
            final Client c = waiting.remove(f.pushId());
            if (c != null) {
                // one answer that cannot be sent (the client's host unreachable) must not cost the others theirs
                log.line("super cluster " + config.name() + ": push of cluster " + f.result().cluster() + ": "
                    + f.result().outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + " (version " + f.result().version() + ", stored on " + f.result().stored() + " of "
                    + f.result().masters() + " master servers)");
                try {
                    reply(c.at(), c.nonce(), f.result());
                } catch (IOException e) {
                    log.warning("super cluster " + config.name() + ": the answer to " + AgentLog.escape(c.sender())
                        + "'s push could not be sent: " + e.getMessage());
                }
            }
        }
    }

    /** Stores a copy; a store slow enough to cost leases (a loaded or failing disk) is logged. */
    private ConfigStore.StoreResult timedStore(final String cluster, final long version, final byte[] bytes)
        throws IOException {
        return timedStore(cluster, version, bytes, false);
    }

    private ConfigStore.StoreResult timedStore(final String cluster, final long version, final byte[] bytes,
                                               final boolean sameVersionMayReplace) throws IOException {
        final long t0 = System.nanoTime();
        final ConfigStore.StoreResult r = store.store(cluster, version, bytes, sameVersionMayReplace);
        final long ms = (System.nanoTime() - t0) / 1_000_000L;
        if (ms > SLOW_STORE_MS) {
            log.warning("super cluster " + config.name() + ": storing cluster " + cluster + " version " + version
                + " took " + ms + " ms (a slow disk holds up the election: leases last "
                + ManagementElection.LEASE_NS / 1_000_000_000L + " s)");
        }
        return r;
    }

    private static boolean isZero(final byte[] b) {
        for (final byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private void send(final List<Outgoing> out) {
        for (final Outgoing o : out) {
            final SuperConfig.Member to = masters.get(o.to());
            if (to == null) {
                continue;
            }
            final byte[] bytes = codec.encode(new SuperFrame.Frame(self, o.nonce(), o.body()));
            try {
                socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(to.address(),
                    config.port())));
            } catch (IOException e) {
                // an unreachable peer is a silent peer: the election sees it so
            }
        }
    }

    private void reply(final SocketAddress to, final long nonce, final SuperFrame.Body body) throws IOException {
        final byte[] bytes = codec.encode(new SuperFrame.Frame(self, nonce, body));
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    private void publish(final long now) {
        final String holder = election.holder(now);
        final boolean accepting = election.accepting(now);
        view = new View(holder, accepting, election.notAcceptingReason(now), election.forced(),
            election.answering(now));
        if (!holder.equals(lastHolder) || accepting != lastAccepting) {
            log.line("super cluster " + config.name() + ": management server " + (holder.isEmpty() ? "none" : holder)
                + (accepting ? " (this server; accepting changes)" : holder.equals(self) ? " (this server; serving "
                + "copies only: " + election.notAcceptingReason(now) + ")" : ""));
            lastHolder = holder;
            lastAccepting = accepting;
        }
    }

    private void drop(final SuperFrame.Reason reason, final SocketAddress from, final String detail,
                      final long now) {
        dropped.merge(reason, 1L, Long::sum);
        final Long at = droppedLoggedAt.get(reason);
        if (at == null || now - at >= DROP_LOG_NS) {
            droppedLoggedAt.put(reason, now);
            log.warning("super cluster " + config.name() + ": dropped a datagram from " + from + ": "
                + reason.name().toLowerCase(java.util.Locale.ROOT) + (detail == null ? "" : " ("
                + AgentLog.escape(detail) + ")") + "; " + dropped.get(reason) + " so far (logged once a minute)");
        }
    }

    /** A reason text cut to what a frame carries (4096 bytes of UTF-8: at most 3 bytes a char). */
    private static String fit(final String text) {
        return text.length() <= 1300 ? text : text.substring(0, 1290) + "\n...";
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
