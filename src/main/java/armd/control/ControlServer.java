package armd.control;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.sys.Libc;
import armd.wire.ControlCodec;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
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
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The agent's control socket: accepts arm* and {@code armd ctl} connections on an AF_UNIX stream socket,
 * reads one request per connection, checks the caller (SO_PEERCRED: root or the agent's own user), hands
 * the typed request to the {@link ControlHandler} on the one control thread, and writes its reply.
 *
 * <p>Threads: {@code armd-control-accept} accepts; each connection is read and answered on a virtual thread;
 * the handler runs only on {@code armd-control}; {@code armd-control-timer} enforces the read and write
 * deadlines by shutting a slow connection down. A malformed, oversized, wrong-version or too-slow request
 * gets a protocol-error reply and its connection is closed; nothing reaches the handler. Not a hot path.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("armd.control");
    private static final String NOT_ALLOWED = "permission denied: armd's control socket is root-only";

    /**
     * Settings. {@code socketMode}/{@code dirMode} are octal permission bits (0600 and 0700 in production:
     * tests loosen them to reach the SO_PEERCRED check as another user).
     */
    public record Options(Path socket, int socketMode, int dirMode, long readTimeoutMs, long handlerDeadlineMs,
                          long writeTimeoutMs, int maxConnections, int maxQueued) {
        /** The production defaults for {@code socket}. */
        public static Options defaults(final Path socket) {
            return new Options(socket, 0600, 0700, 5_000, 120_000, 5_000, 64, 64);
        }

        /** The same options with another handler deadline. */
        public Options withHandlerDeadlineMs(final long ms) {
            return new Options(socket, socketMode, dirMode, readTimeoutMs, ms, writeTimeoutMs, maxConnections,
                maxQueued);
        }

        /** The same options with another read timeout. */
        public Options withReadTimeoutMs(final long ms) {
            return new Options(socket, socketMode, dirMode, ms, handlerDeadlineMs, writeTimeoutMs, maxConnections,
                maxQueued);
        }

        /** The same options with other permission bits. */
        public Options withModes(final int socketBits, final int dirBits) {
            return new Options(socket, socketBits, dirBits, readTimeoutMs, handlerDeadlineMs, writeTimeoutMs,
                maxConnections, maxQueued);
        }

        /** The same options with other connection and queue limits. */
        public Options withLimits(final int connections, final int queued) {
            return new Options(socket, socketMode, dirMode, readTimeoutMs, handlerDeadlineMs, writeTimeoutMs,
                connections, queued);
        }
    }

    private record Pending(ControlRequest request, PeerCredentials peer, ControlReply reply) {
    }

    private final Options options;
    private final ControlHandler handler;
    private final ServerSocketChannel server;
    private final Set<UserPrincipal> allowed;
    private final Semaphore connectionSlots;
    private final BlockingQueue<Pending> queue;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Set<ControlReply> inFlight = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final Thread acceptThread;
    private final Thread controlThread;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ControlServer(final Options options, final ControlHandler handler, final ServerSocketChannel server,
                          final Set<UserPrincipal> allowed) {
        this.options = options;
        this.handler = handler;
        this.server = server;
        this.allowed = allowed;
        this.connectionSlots = new Semaphore(options.maxConnections());
        this.queue = new ArrayBlockingQueue<>(options.maxQueued());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
            .name("armd-control-timer").unstarted(r));
        this.acceptThread = Thread.ofPlatform().daemon().name("armd-control-accept").unstarted(this::acceptLoop);
        this.controlThread = Thread.ofPlatform().daemon().name("armd-control").unstarted(this::controlLoop);
    }

    /**
     * Creates the socket (its directory first, with {@code dirMode}), removes a stale socket file nobody
     * listens on, refuses to start when another agent answers on it, and starts serving.
     */
    public static ControlServer start(final Options options, final ControlHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        final Path socket = options.socket().toAbsolutePath();
        final Path dir = socket.getParent();
        final UserPrincipal self = FileSystems.getDefault().getUserPrincipalLookupService()
            .lookupPrincipalByName(Integer.toString(Libc.geteuid()));
        final UserPrincipal root = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("0");
        final Set<UserPrincipal> owners = root.equals(self) ? Set.of(root) : Set.of(root, self);
        socketDirectory(dir, options.dirMode(), owners);
        removeStale(socket);
        final ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), 64);
            Files.setPosixFilePermissions(socket, permissions(options.socketMode()));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        final ControlServer s = new ControlServer(options, handler, server, owners);
        s.controlThread.start();
        s.acceptThread.start();
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

    private static void removeStale(final Path socket) throws IOException {
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
            LOG.log(System.Logger.Level.INFO, "removing stale control socket " + socket);
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

    private void acceptLoop() {
        while (!closed.get()) {
            final SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // EMFILE and the like: keep serving, the next accept may succeed
                LOG.log(System.Logger.Level.WARNING, "control socket accept failed: " + e.getMessage());
                continue;
            }
            if (!connectionSlots.tryAcquire()) {
                Thread.ofVirtual().name("armd-control-busy").start(() -> {
                    try (ch) {
                        writeReply(ch, ControlCodec.RES_RESULT, ControlStatus.REFUSED, "armd is busy ("
                            + options.maxConnections() + " control connections open): try again");
                    } catch (IOException e) {
                        // the client went away
                    }
                });
                continue;
            }
            open.add(ch);
            Thread.ofVirtual().name("armd-control-conn").start(() -> {
                try {
                    serve(ch);
                } finally {
                    open.remove(ch);
                    closeQuietly(ch);
                    connectionSlots.release();
                }
            });
        }
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
                LOG.log(System.Logger.Level.ERROR, "control handler failed on " + p.request(), e);
                p.reply().system("internal error in the agent (a bug in armd, please report it): " + e);
            }
        }
    }

    /** One connection: read a request within the read deadline, check the caller, dispatch, answer. */
    private void serve(final SocketChannel ch) {
        final AtomicBoolean late = new AtomicBoolean();
        final ScheduledFuture<?> readDeadline = timer.schedule(() -> {
            late.set(true);
            shutdownInput(ch);
        }, options.readTimeoutMs(), TimeUnit.MILLISECONDS);
        ControlCodec.Message message = null;
        String malformed = null;
        try {
            message = readRequest(ch);
        } catch (ControlCodec.MalformedException e) {
            malformed = late.get() ? "request not received within " + options.readTimeoutMs() + " ms"
                : e.getMessage();
        } catch (EofException e) {
            malformed = late.get() ? "request not received within " + options.readTimeoutMs() + " ms" : null;
            if (malformed == null) {
                return; // the client closed before a whole request: nobody to answer
            }
        } catch (IOException e) {
            return;
        } finally {
            readDeadline.cancel(false);
        }
        final PeerCredentials peer;
        try {
            final UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!allowed.contains(p.user())) {
                LOG.log(System.Logger.Level.WARNING, "control request refused for user " + p.user().getName());
                answer(ch, ControlCodec.RES_RESULT, ControlStatus.REFUSED, NOT_ALLOWED);
                return;
            }
            peer = new PeerCredentials(p.user().getName(), p.group().getName());
        } catch (IOException e) {
            return;
        }
        if (malformed != null) {
            LOG.log(System.Logger.Level.WARNING, "malformed control request: " + malformed);
            answer(ch, ControlCodec.RES_PROTOCOL_ERROR, ControlStatus.PROTOCOL, malformed);
            return;
        }
        final ControlRequest request;
        try {
            request = ControlRequest.of(message);
        } catch (ControlRequest.InvalidException e) {
            answer(ch, ControlCodec.RES_RESULT, ControlStatus.USAGE, e.getMessage());
            return;
        }
        final ControlReply reply = new ControlReply();
        if (closed.get() || !queue.offer(new Pending(request, peer, reply))) {
            answer(ch, ControlCodec.RES_RESULT, ControlStatus.REFUSED, closed.get() ? "armd is stopping"
                : "armd is busy (" + options.maxQueued() + " requests waiting): try again");
            return;
        }
        final ControlReply.Result result;
        inFlight.add(reply);
        try {
            if (closed.get()) {
                reply.refused("armd is stopping");
            }
            result = reply.await(options.handlerDeadlineMs());
        } catch (InterruptedException e) {
            return;
        } finally {
            inFlight.remove(reply);
        }
        answer(ch, ControlCodec.RES_RESULT, result.status(), result.text());
    }

    /** The peer closed (or the read deadline shut the input) before a whole request arrived. */
    private static final class EofException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    private static ControlCodec.Message readRequest(final SocketChannel ch)
        throws IOException, ControlCodec.MalformedException {
        final ByteBuffer header = ByteBuffer.allocate(ControlCodec.HEADER_SIZE);
        readFully(ch, header, true);
        header.flip();
        final ControlCodec.Header h = ControlCodec.decodeHeader(header);
        ControlCodec.checkRequestHeader(h);
        final ByteBuffer payload = ByteBuffer.allocate((int) h.payloadLength());
        readFully(ch, payload, false);
        payload.flip();
        return new ControlCodec.Message(h.type(), h.flags(), h.status(), ControlCodec.decodeFields(h.type(), payload));
    }

    private static void readFully(final SocketChannel ch, final ByteBuffer buf, final boolean header)
        throws IOException, ControlCodec.MalformedException {
        while (buf.hasRemaining()) {
            final int n = ch.read(buf);
            if (n < 0) {
                if (buf.position() > 0 || !header) {
                    // a partial message: say what arrived (the read deadline also ends here, via shutdownInput)
                    throw new ControlCodec.MalformedException("truncated " + (header ? "header" : "payload") + ": "
                        + buf.position() + " of " + buf.capacity() + " bytes");
                }
                throw new EofException();
            }
        }
    }

    private void answer(final SocketChannel ch, final int type, final ControlStatus status, final String text) {
        final ScheduledFuture<?> writeDeadline = timer.schedule(() -> closeQuietly(ch), options.writeTimeoutMs(),
            TimeUnit.MILLISECONDS);
        try {
            writeReply(ch, type, status, text);
        } catch (IOException e) {
            // the client went away or did not read in time: nothing more to do for it
        } finally {
            writeDeadline.cancel(false);
        }
    }

    private static void writeReply(final SocketChannel ch, final int type, final ControlStatus status,
                                   final String text) throws IOException {
        String t = text;
        if (t.length() > ControlCodec.MAX_RESPONSE_PAYLOAD / 4) {
            t = t.substring(0, ControlCodec.MAX_RESPONSE_PAYLOAD / 4 - 20) + "\n[output truncated]\n";
        }
        final byte[] bytes = ControlCodec.encode(new ControlCodec.Message(type, 0, status.code(), List.of(t)));
        final ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void shutdownInput(final SocketChannel ch) {
        try {
            ch.shutdownInput();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void closeQuietly(final SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /**
     * Stops serving: closes the listening socket and removes its file, answers queued requests with
     * "armd is stopping", and closes open connections. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(server);
        try {
            Files.deleteIfExists(options.socket());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + options.socket() + ": " + e.getMessage());
        }
        controlThread.interrupt();
        Pending p;
        while ((p = queue.poll()) != null) {
            p.reply().refused("armd is stopping");
        }
        for (final ControlReply r : inFlight) {
            r.refused("armd is stopping");
        }
        for (final SocketChannel ch : open) {
            closeQuietly(ch);
        }
        timer.shutdownNow();
        try {
            acceptThread.join(5_000);
            controlThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(final ServerSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
