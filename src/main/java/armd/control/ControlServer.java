package armd.control;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.sys.Errno;
import armd.sys.EventLoop;
import armd.sys.Libc;
import armd.sys.SysException;
import armd.sys.unix.UnixStream;
import armd.wire.ControlCodec;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The agent's control socket: accepts arm* and {@code armd} connections on an AF_UNIX stream socket, reads one
 * request per connection, hands the typed request to the {@link ControlHandler} on the one control thread, and
 * writes its reply.
 *
 * <p>The operator (root) always gets through, whatever else is connected:
 * <ul>
 *   <li>the caller's credentials (SO_PEERCRED) are known at accept: anyone but root and the agent's own user
 *       is answered "permission denied" at once, without a slot or a read;</li>
 *   <li>one process holds at most {@link Options#maxPerProcess()} connections: more are answered "busy" at
 *       once, so a flooding or stuck client cannot fill the table;</li>
 *   <li>a request must arrive whole within {@link Options#readTimeoutMs()} of the accept (clients send it
 *       in one write right after connecting);</li>
 *   <li>when the table ({@link Options#maxConnections()}) is full, the oldest connection still waiting for its
 *       request is dropped for the new one; only when every slot holds a request in progress is the newcomer
 *       told "busy".</li>
 * </ul>
 * A connection costs a descriptor and a few bytes until its header is read; nothing per connection is a
 * thread. Malformed requests, refused users and turned-away connections are each logged once, then counted
 * and summed up in one line per {@link #LOG_INTERVAL_NS} at most.
 *
 * <p>Threads: {@code armd-control-io} runs every connection on one {@link EventLoop}: the listening socket and
 * each connection waiting to read or write are its descriptors, each connection's deadline is one of its
 * timers, and a completed reply is queued back to it as a task. The handler runs only on {@code armd-control};
 * replies may complete on any thread.
 */
public final class ControlServer implements AutoCloseable {
    private static final String NOT_ALLOWED = "permission denied: armd's control socket is root-only";
    /** At most one line per kind of trouble this often (after the first), with the count. */
    static final long LOG_INTERVAL_NS = 10_000_000_000L;
    private static final int SCRATCH = 64 * 1024;
    private static final int ACCEPTS_PER_TURN = 256;

    /**
     * Settings. {@code socketMode}/{@code dirMode} are octal permission bits (0600 and 0700 in production:
     * tests loosen them to reach the SO_PEERCRED check as another user); {@code dirMode} applies only to a
     * directory the server makes.
     */
    public record Options(Path socket, int socketMode, int dirMode, long readTimeoutMs, long handlerDeadlineMs,
                          long writeTimeoutMs, int maxConnections, int maxQueued, int maxPerProcess) {
        /** The production defaults for {@code socket}. */
        public static Options defaults(final Path socket) {
            return new Options(socket, 0600, 0700, 2_000, 120_000, 5_000, 64, 64, 4);
        }

        /** The same options with another handler deadline. */
        public Options withHandlerDeadlineMs(final long ms) {
            return new Options(socket, socketMode, dirMode, readTimeoutMs, ms, writeTimeoutMs, maxConnections,
                maxQueued, maxPerProcess);
        }

        /** The same options with another read timeout. */
        public Options withReadTimeoutMs(final long ms) {
            return new Options(socket, socketMode, dirMode, ms, handlerDeadlineMs, writeTimeoutMs, maxConnections,
                maxQueued, maxPerProcess);
        }

        /** The same options with other permission bits. */
        public Options withModes(final int socketBits, final int dirBits) {
            return new Options(socket, socketBits, dirBits, readTimeoutMs, handlerDeadlineMs, writeTimeoutMs,
                maxConnections, maxQueued, maxPerProcess);
        }

        /** The same options with other connection and queue limits. */
        public Options withLimits(final int connections, final int queued) {
            return new Options(socket, socketMode, dirMode, readTimeoutMs, handlerDeadlineMs, writeTimeoutMs,
                connections, queued, maxPerProcess);
        }

        /** The same options with another per-process connection limit. */
        public Options withMaxPerProcess(final int connections) {
            return new Options(socket, socketMode, dirMode, readTimeoutMs, handlerDeadlineMs, writeTimeoutMs,
                maxConnections, maxQueued, connections);
        }
    }

    /** What the server turned down since it started, by kind. */
    public record Counters(long malformed, long refused, long busy, long dropped) {
    }

    private record Pending(ControlRequest request, PeerCredentials peer, ControlReply reply) {
    }

    private enum State { READING, WAITING, WRITING, CLOSED }

    /** One connection, owned by the io thread (except {@code reply}, completed from anywhere). */
    private static final class Conn {
        final int fd;
        final PeerCredentials peer;
        final long acceptedNs;
        State state = State.READING;
        /** The deadline of its state: reading the request, the handler's reply, writing the reply. */
        EventLoop.Timer deadline;
        EventLoop.Ready io;
        /** What the loop polls it for: POLLIN, POLLOUT or nothing (0). */
        short polled;
        final byte[] header = new byte[ControlCodec.HEADER_SIZE];
        int headerLength;
        ControlCodec.Header decoded;
        byte[] payload;
        int payloadLength;
        ControlReply reply;
        ByteBuffer out;

        Conn(final int fd, final PeerCredentials peer, final long nowNs) {
            this.fd = fd;
            this.peer = peer;
            this.acceptedNs = nowNs;
        }
    }

    /**
     * One kind of trouble in the log: the first line at once, then at most one summing line per interval, at the
     * end of the interval (the {@code flush} timer's).
     */
    private static final class Limited {
        private final String plural;
        private final AtomicLong total = new AtomicLong();
        // the io thread's
        private EventLoop.Timer flush;
        private long suppressed;
        private String last;

        Limited(final String plural) {
            this.plural = plural;
        }

        void event(final String line, final Consumer<String> log) {
            total.incrementAndGet();
            if (!flush.armed()) {
                flush.after(LOG_INTERVAL_NS);
                log.accept(line);
            } else {
                suppressed++;
                last = line;
            }
        }

        /** The interval is over: the sum of what it held, and another interval; none when it held nothing. */
        void flush(final Consumer<String> log) {
            if (suppressed > 0) {
                log.accept(suppressed + " more " + plural + " in the last " + LOG_INTERVAL_NS / 1_000_000_000L
                    + " s (the last: " + last + ")");
                suppressed = 0;
                flush.after(LOG_INTERVAL_NS);
            }
        }
    }

    private final Options options;
    private final ControlHandler handler;
    private final Consumer<String> log;
    private final int listenFd;
    private final Set<Integer> allowedUids;
    private final BlockingQueue<Pending> queue;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH);
    private final int[] cred = new int[3];
    private final List<Conn> conns = new ArrayList<>();
    private final Map<Integer, Integer> perProcess = new HashMap<>();
    private final Limited malformed = new Limited("malformed control requests");
    private final Limited refused = new Limited("control connections of other users refused");
    private final Limited busy = new Limited("control connections turned away (busy)");
    private final Limited dropped = new Limited("control connections dropped before their request was complete");
    private final Thread controlThread;
    /** The io thread ({@code armd-control-io}): the listening socket, every connection, their deadlines. */
    private final EventLoop loop;
    private int live;
    private volatile boolean closed;

    private ControlServer(final Options options, final ControlHandler handler, final Consumer<String> log,
                          final int listenFd, final Set<Integer> allowedUids) {
        this.options = options;
        this.handler = handler;
        this.log = log;
        this.listenFd = listenFd;
        this.allowedUids = allowedUids;
        this.queue = new ArrayBlockingQueue<>(options.maxQueued());
        this.controlThread = Thread.ofPlatform().daemon().name("armd-control").unstarted(this::controlLoop);
        // its tasks are the first one and the replies: at most one per connection in the table, never refused
        this.loop = new EventLoop("armd-control-io", options.maxConnections() + 1, this::stopped);
    }

    /**
     * Creates the socket (its directory first, when missing, with {@code dirMode}), removes a stale socket file
     * nobody listens on, refuses to start when another agent answers on it, and starts serving. Log lines go to
     * standard error.
     */
    public static ControlServer start(final Options options, final ControlHandler handler) throws IOException {
        return start(options, handler, line -> System.err.println("armd control: " + line));
    }

    /** {@link #start(Options, ControlHandler)} with its log lines (one line each) to {@code log}. */
    public static ControlServer start(final Options options, final ControlHandler handler,
                                      final Consumer<String> log) throws IOException {
        Objects.requireNonNull(handler, "handler");
        final Path socket = options.socket().toAbsolutePath();
        final Path dir = socket.getParent();
        final int euid = Libc.geteuid();
        final UserPrincipal self = FileSystems.getDefault().getUserPrincipalLookupService()
            .lookupPrincipalByName(Integer.toString(euid));
        final UserPrincipal root = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("0");
        final Set<UserPrincipal> owners = root.equals(self) ? Set.of(root) : Set.of(root, self);
        socketDirectory(dir, options.dirMode(), owners);
        removeStale(socket, log);
        final int fd;
        try {
            fd = UnixStream.listen(socket.toString(), 128);
        } catch (SysException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            Files.setPosixFilePermissions(socket, permissions(options.socketMode()));
        } catch (IOException | RuntimeException e) {
            UnixStream.close(fd);
            Files.deleteIfExists(socket);
            throw e;
        }
        final ControlServer s = new ControlServer(options, handler, log, fd, euid == 0 ? Set.of(0) : Set.of(0, euid));
        s.controlThread.start();
        s.loop.execute(s::started);
        return s;
    }

    /**
     * Makes the socket's directory when it is missing, mode {@code mode} (its missing parents as the umask says),
     * and never changes the mode of a directory that was there: it may be shared (/tmp, /run). A directory that
     * was there must belong to root or armd's user ({@code owners}), and other users must not be able to replace
     * the socket in it: not writable by group or others, unless sticky (then only the socket's owner may remove
     * or rename it).
     */
    private static void socketDirectory(final Path dir, final int mode, final Set<UserPrincipal> owners)
        throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            boolean made = false;
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(permissions(mode & 0700)));
                made = true;
            } catch (FileAlreadyExistsException e) {
                // made meanwhile by someone else: checked below like any directory that was there
            }
            if (made) {
                // exactly the asked mode on the directory made here (the umask may have taken bits from it)
                Files.setPosixFilePermissions(dir, permissions(mode));
                return;
            }
        }
        final PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class);
        if (!attrs.isDirectory()) {
            throw new OperatorException(Exit.SYSTEM, "control socket directory " + dir + " is not a directory: set "
                + "another socket path");
        }
        if (!owners.contains(attrs.owner())) {
            throw new OperatorException(Exit.SYSTEM, "control socket directory " + dir + " belongs to "
                + attrs.owner().getName() + ", not to root or armd's user: set another socket path");
        }
        final int bits = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
        if ((bits & 0022) != 0 && (bits & 01000) == 0) {
            throw new OperatorException(Exit.SYSTEM, "control socket directory " + dir + " (mode 0"
                + Integer.toOctalString(bits) + ") lets other users replace the socket: use a directory only armd's "
                + "user can write (or one with the sticky bit, like /tmp)");
        }
    }

    private static void removeStale(final Path socket, final Consumer<String> log) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        final PosixFileAttributes a = Files.getFileAttributeView(socket, PosixFileAttributeView.class,
            LinkOption.NOFOLLOW_LINKS).readAttributes();
        if (!a.isOther()) {
            throw new OperatorException(Exit.SYSTEM, socket + " exists and is not a socket: remove it or set "
                + "another control socket path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            throw new OperatorException(Exit.FAULT, "another armd agent is running on this server (it answers on "
                + socket + "): stop it first");
        } catch (ConnectException e) {
            // ECONNREFUSED: a socket file left by an agent that died; nobody listens
            log.accept("removing stale control socket " + socket);
            Files.deleteIfExists(socket);
        }
    }

    private static Set<PosixFilePermission> permissions(final int mode) {
        final Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        final PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    /** The socket path. */
    public Path socket() {
        return options.socket();
    }

    /** What was turned down so far; any thread. */
    public Counters counters() {
        return new Counters(malformed.total.get(), refused.total.get(), busy.total.get(), dropped.total.get());
    }

    private void controlLoop() {
        while (true) {
            final Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                handler.handle(p.request(), p.peer(), p.reply());
            } catch (RuntimeException e) {
                log.accept("control handler failed on " + p.request() + ": " + e);
                p.reply().system("internal error in the agent (a bug in armd, please report it): " + e);
            }
        }
    }

    // ---------------------------------------------------------------- the io thread

    /** The loop's first task: watch the listening socket; the log limiters get their timers. */
    private void started() {
        for (final Limited l : List.of(malformed, refused, busy, dropped)) {
            l.flush = loop.timer(() -> l.flush(log));
        }
        loop.watch(listenFd, EventLoop.POLLIN, (fd, revents) -> acceptAll());
    }

    /** A reply completed (on any thread): queued back to the io thread. */
    private void replied(final Conn c) {
        try {
            loop.execute(() -> {
                if (c.state == State.WAITING) {
                    answer(c, ControlCodec.RES_RESULT, c.reply.result().status(), c.reply.result().text());
                }
            });
        } catch (RejectedExecutionException e) {
            // the loop has stopped: stopped() answered every waiting connection
        }
    }

    /** The connection's descriptor is ready for what its state waits for. */
    private void ready(final Conn c) {
        if (c.state == State.READING) {
            read(c);
        } else if (c.state == State.WRITING) {
            write(c);
        }
    }

    /** Polls the connection for {@code events} (0: for nothing) until told otherwise. */
    private void await(final Conn c, final short events) {
        if (c.polled == events) {
            return;
        }
        if (c.polled != 0) {
            loop.unwatch(c.fd);
        }
        if (events != 0) {
            loop.watch(c.fd, events, c.io);
        }
        c.polled = events;
    }

    private void acceptAll() {
        for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
            final int fd = UnixStream.accept(listenFd, cred);
            if (fd == -Errno.EAGAIN) {
                return;
            }
            if (fd < 0) {
                // EMFILE and the like: keep serving, a later accept may succeed
                busy.event("control socket accept failed: " + Errno.describe(-fd), log);
                return;
            }
            final PeerCredentials peer = new PeerCredentials(cred[0], cred[1], cred[2]);
            if (!allowedUids.contains(peer.uid())) {
                refused.event("control connection of uid " + peer.uid() + " (pid " + peer.pid() + ") refused: "
                    + "only root may use the control socket", log);
                // a permission problem is a system error (exit 3), as the README's exit codes say
                refuseNow(fd, ControlStatus.SYSTEM, NOT_ALLOWED);
                continue;
            }
            final int mine = perProcess.getOrDefault(peer.pid(), 0);
            if (mine >= options.maxPerProcess()) {
                busy.event("control connection of pid " + peer.pid() + " turned away: it has " + mine
                    + " open", log);
                refuseNow(fd, ControlStatus.REFUSED, "armd is busy: process " + peer.pid() + " has " + mine + " control connections "
                    + "open");
                continue;
            }
            final long now = System.nanoTime();
            if (live >= options.maxConnections() && !dropOldestReader(now)) {
                busy.event("control connection of pid " + peer.pid() + " turned away: " + live
                    + " requests in progress", log);
                refuseNow(fd, ControlStatus.REFUSED, "armd is busy (" + options.maxConnections() + " control connections open): try again");
                continue;
            }
            final Conn c = new Conn(fd, peer, now);
            c.io = (connFd, revents) -> ready(c);
            c.deadline = loop.timer(() -> expire(c));
            c.deadline.at(now + options.readTimeoutMs() * 1_000_000L);
            conns.add(c);
            live++;
            perProcess.merge(peer.pid(), 1, Integer::sum);
            // the request is usually there already: a client writes it right after connecting
            read(c);
        }
    }

    /** Drops the connection that has waited longest for its request; false when none is waiting for one. */
    private boolean dropOldestReader(final long nowNs) {
        Conn oldest = null;
        for (final Conn c : conns) {
            if (c.state == State.READING && (oldest == null || c.acceptedNs - oldest.acceptedNs < 0)) {
                oldest = c;
            }
        }
        if (oldest == null) {
            return false;
        }
        dropped.event("control connection of pid " + oldest.peer.pid() + " dropped after "
            + (nowNs - oldest.acceptedNs) / 1_000_000 + " ms without a whole request: the table is full", log);
        forget(oldest);
        refuseNow(oldest.fd, ControlStatus.REFUSED, "armd is busy: your request did not arrive before the connection "
            + "table filled up");
        return true;
    }

    private void read(final Conn c) {
        while (c.state == State.READING) {
            final int want = c.headerLength < ControlCodec.HEADER_SIZE ? ControlCodec.HEADER_SIZE - c.headerLength
                : c.payload.length - c.payloadLength;
            if (want == 0) {
                dispatch(c);
                return;
            }
            scratch.clear().limit(Math.min(want, SCRATCH));
            final int n = UnixStream.read(c.fd, scratch);
            if (n == -Errno.EAGAIN) {
                await(c, EventLoop.POLLIN);
                return;
            }
            if (n < 0) {
                close(c);
                return;
            }
            if (n == 0) {
                if (c.headerLength == 0) {
                    close(c); // the client left before a request: nobody to answer
                } else {
                    final boolean inHeader = c.headerLength < ControlCodec.HEADER_SIZE;
                    malformed(c, "truncated " + (inHeader ? "header: " + c.headerLength + " of "
                        + ControlCodec.HEADER_SIZE : "payload: " + c.payloadLength + " of " + c.payload.length)
                        + " bytes");
                }
                return;
            }
            scratch.flip();
            if (c.headerLength < ControlCodec.HEADER_SIZE) {
                scratch.get(c.header, c.headerLength, n);
                c.headerLength += n;
                if (c.headerLength == ControlCodec.HEADER_SIZE) {
                    try {
                        c.decoded = ControlCodec.decodeHeader(ByteBuffer.wrap(c.header));
                        ControlCodec.checkRequestHeader(c.decoded);
                    } catch (ControlCodec.MalformedException e) {
                        malformed(c, e.getMessage());
                        return;
                    }
                    c.payload = new byte[(int) c.decoded.payloadLength()];
                }
            } else {
                scratch.get(c.payload, c.payloadLength, n);
                c.payloadLength += n;
            }
        }
    }

    private void dispatch(final Conn c) {
        final ControlRequest request;
        try {
            request = ControlRequest.of(new ControlCodec.Message(c.decoded.type(), c.decoded.flags(),
                c.decoded.status(), ControlCodec.decodeFields(c.decoded.type(), ByteBuffer.wrap(c.payload))));
        } catch (ControlCodec.MalformedException e) {
            malformed(c, e.getMessage());
            return;
        } catch (ControlRequest.InvalidException e) {
            answer(c, ControlCodec.RES_RESULT, ControlStatus.USAGE, e.getMessage());
            return;
        }
        final ControlReply reply = new ControlReply();
        if (closed || !queue.offer(new Pending(request, c.peer, reply))) {
            answer(c, ControlCodec.RES_RESULT, ControlStatus.REFUSED, closed ? "armd is stopping"
                : "armd is busy (" + options.maxQueued() + " requests waiting): try again");
            return;
        }
        c.state = State.WAITING;
        c.reply = reply;
        await(c, (short) 0);
        c.deadline.after(options.handlerDeadlineMs() * 1_000_000L);
        reply.whenDone(() -> replied(c));
    }

    /** The deadline of the connection's state has passed. */
    private void expire(final Conn c) {
        switch (c.state) {
            case READING -> malformed(c, "request not received within " + options.readTimeoutMs() + " ms");
            case WAITING -> c.reply.complete(ControlStatus.TIMEOUT, "timed out: the agent did not finish within "
                + options.handlerDeadlineMs() + " ms");
            case WRITING -> close(c); // the client does not read its reply
            default -> {
            }
        }
    }

    private void malformed(final Conn c, final String why) {
        malformed.event("malformed control request from pid " + c.peer.pid() + ": " + why, log);
        answer(c, ControlCodec.RES_PROTOCOL_ERROR, ControlStatus.PROTOCOL, why);
    }

    private void answer(final Conn c, final int type, final ControlStatus status, final String text) {
        c.out = ByteBuffer.wrap(encode(type, status, text));
        c.state = State.WRITING;
        c.deadline.after(options.writeTimeoutMs() * 1_000_000L);
        write(c);
    }

    private void write(final Conn c) {
        while (c.out.hasRemaining()) {
            scratch.clear();
            final int chunk = Math.min(c.out.remaining(), SCRATCH);
            scratch.put(c.out.array(), c.out.position(), chunk).flip();
            final int n = UnixStream.send(c.fd, scratch);
            if (n == -Errno.EAGAIN) {
                await(c, EventLoop.POLLOUT);
                return;
            }
            if (n < 0) {
                close(c);
                return;
            }
            c.out.position(c.out.position() + n);
        }
        forget(c);
        finish(c.fd);
    }

    /** One reply written at once (it fits a fresh socket's buffer), then the connection is closed. */
    private void refuseNow(final int fd, final ControlStatus status, final String text) {
        final byte[] bytes = encode(ControlCodec.RES_RESULT, status, text);
        scratch.clear();
        scratch.put(bytes, 0, Math.min(bytes.length, SCRATCH)).flip();
        UnixStream.send(fd, scratch);
        finish(fd);
    }

    /**
     * Ends a connection after its reply: what the client sent and nobody read is drained first (bounded), so
     * the close does not reset the connection before the client has read the reply.
     */
    private void finish(final int fd) {
        UnixStream.shutdown(fd, UnixStream.SHUT_WR);
        for (int i = 0; i < 4; i++) {
            scratch.clear();
            if (UnixStream.read(fd, scratch) <= 0) {
                break;
            }
        }
        UnixStream.close(fd);
    }

    private void close(final Conn c) {
        if (c.state != State.CLOSED) {
            forget(c);
            UnixStream.close(c.fd);
        }
    }

    /**
     * The connection leaves the table, the loop and its timers; its descriptor is about to be closed (not
     * watched any more, since its number may be reused at once).
     */
    private void forget(final Conn c) {
        if (c.state == State.CLOSED) {
            return;
        }
        await(c, (short) 0);
        c.deadline.remove();
        c.state = State.CLOSED;
        conns.remove(c);
        live--;
        perProcess.computeIfPresent(c.peer.pid(), (k, v) -> v > 1 ? v - 1 : null);
    }

    private static byte[] encode(final int type, final ControlStatus status, final String text) {
        String t = text;
        if (t.length() > ControlCodec.MAX_RESPONSE_PAYLOAD / 4) {
            t = t.substring(0, ControlCodec.MAX_RESPONSE_PAYLOAD / 4 - 20) + "\n[output truncated]\n";
        }
        return ControlCodec.encode(new ControlCodec.Message(type, 0, status.code(), List.of(t)));
    }

    /**
     * On the io thread when its loop ends (closed, or a bug threw): stops listening, answers what waits with
     * "armd is stopping", closes every connection.
     */
    private void stopped() {
        if (loop.failure() != null) {
            log.accept("control socket loop failed: " + loop.failure() + "; the control socket is closed");
        }
        loop.unwatch(listenFd);
        UnixStream.close(listenFd);
        try {
            Files.deleteIfExists(options.socket());
        } catch (IOException e) {
            log.accept("cannot remove " + options.socket() + ": " + e.getMessage());
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.reply().refused("armd is stopping");
        }
        for (final Conn c : List.copyOf(conns)) {
            if (c.state == State.WAITING) {
                c.reply.refused("armd is stopping");
                final ControlReply.Result r = c.reply.result();
                c.out = ByteBuffer.wrap(encode(ControlCodec.RES_RESULT, r.status(), r.text()));
                c.state = State.WRITING;
            }
            if (c.state == State.WRITING) {
                scratch.clear();
                scratch.put(c.out.array(), c.out.position(), Math.min(c.out.remaining(), SCRATCH)).flip();
                UnixStream.send(c.fd, scratch);
                forget(c);
                finish(c.fd);
            } else {
                close(c);
            }
        }
    }

    /**
     * Stops serving: closes the listening socket and removes its file, answers queued and waiting requests with
     * "armd is stopping", and closes open connections. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        controlThread.interrupt();
        loop.stop(5_000);
        try {
            controlThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
