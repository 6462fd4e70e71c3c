package armd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.OperatorException;
import armd.wire.ControlCodec;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
    /** Not the common pool: it has one worker on a 2-core machine, and the handlers here wait on callers. */
    private static final Executor ASYNC = r -> Thread.ofVirtual().start(r);
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/control");

    @TempDir
    Path tmp;

    private Path socket;
    private final List<ControlRequest> seen = new CopyOnWriteArrayList<>();
    private final List<String> threads = new CopyOnWriteArrayList<>();
    private volatile ControlHandler behaviour = (r, p, reply) -> reply.ok("done: " + r);
    private ControlServer server;

    @BeforeEach
    void start() throws IOException {
        socket = tmp.resolve("run/armd/armd.sock");
        server = ControlServer.start(options(), this::handle);
    }

    private ControlServer.Options options() {
        return ControlServer.Options.defaults(socket).withReadTimeoutMs(2_000).withHandlerDeadlineMs(5_000);
    }

    private void handle(final ControlRequest r, final PeerCredentials p, final ControlReply reply) {
        seen.add(r);
        threads.add(Thread.currentThread().getName());
        behaviour.handle(r, p, reply);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ControlClient client() {
        return new ControlClient(socket, 10_000);
    }

    @Test
    void theSocketIsRootOnlyInARootOnlyDirectory() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
    }

    @Test
    void anExistingDirectoryKeepsItsModeEvenASharedStickyOne() throws Exception {
        server.close();
        for (final String mode : List.of("1777", "750", "711")) {
            final Path dir = Files.createDirectories(tmp.resolve("shared" + mode));
            chmod(mode, dir);
            final Path sock = dir.resolve("armd.sock");
            try (ControlServer s = ControlServer.start(ControlServer.Options.defaults(sock), this::handle)) {
                assertEquals(Integer.parseInt(mode, 8), mode(dir), "mode of " + dir + " changed");
                assertEquals(0600, mode(sock));
                assertEquals(ControlStatus.OK,
                    new ControlClient(sock, 10_000).call(new ControlRequest.Down()).status());
            }
            assertEquals(Integer.parseInt(mode, 8), mode(dir), "mode of " + dir + " changed");
        }
    }

    @Test
    void aDirectoryOthersMayWriteWithoutTheStickyBitIsRefused() throws Exception {
        server.close();
        final Path dir = Files.createDirectories(tmp.resolve("open"));
        chmod("777", dir);
        final OperatorException e = assertThrows(OperatorException.class,
            () -> ControlServer.start(ControlServer.Options.defaults(dir.resolve("armd.sock")), this::handle));
        assertEquals("control socket directory " + dir + " (mode 0777) lets other users replace the socket: use a "
            + "directory only armd's user can write (or one with the sticky bit, like /tmp)", e.getMessage());
        assertEquals(0777, mode(dir));
        assertFalse(Files.exists(dir.resolve("armd.sock")));
    }

    @Test
    void aMissingDirectoryIsMadePrivateWithItsParents() throws Exception {
        server.close();
        final Path sock = tmp.resolve("a/b/armd/armd.sock");
        try (ControlServer s = ControlServer.start(ControlServer.Options.defaults(sock), this::handle)) {
            assertEquals(0700, mode(sock.getParent()));
            assertEquals(0600, mode(sock));
        }
        assertEquals(0700, mode(sock.getParent()));
    }

    private static int mode(final Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }

    private static void chmod(final String mode, final Path p) throws Exception {
        final Process chmod = new ProcessBuilder("chmod", mode, p.toString()).inheritIO().start();
        assertTrue(chmod.waitFor(30, TimeUnit.SECONDS) && chmod.exitValue() == 0, "chmod " + mode + " " + p);
    }

    @Test
    void everyRequestReachesTheHandlerOnTheControlThreadAndItsReplyComesBack() throws IOException {
        final List<ControlRequest> requests = List.of(new ControlRequest.ClusterStart(),
            new ControlRequest.ClusterShutdown(), new ControlRequest.ServerShutdown(Optional.empty()),
            new ControlRequest.ServerLeave(Optional.of("server2")), new ControlRequest.ServerReturn(Optional.empty()),
            new ControlRequest.GroupStart("A", Optional.empty()), new ControlRequest.GroupStop("B"),
            new ControlRequest.GroupMove("C", Optional.of("server1")), new ControlRequest.GroupFailover("C"),
            new ControlRequest.Status(true), new ControlRequest.Log(Optional.of("A"), Optional.of("stop"), "bye"),
            new ControlRequest.Load("A", "httpd", 4242, ControlRequest.LoadAction.RESTART, 3, 5, "/usr/sbin/httpd"),
            new ControlRequest.Kill("A", "httpd", 10_000), new ControlRequest.Down(),
            new ControlRequest.ListMounts("A"));
        for (final ControlRequest r : requests) {
            final ControlClient.Reply reply = client().call(r);
            assertEquals(ControlStatus.OK, reply.status());
            assertEquals("done: " + r, reply.text());
        }
        assertEquals(requests, seen);
        assertTrue(threads.stream().allMatch("armd-control"::equals), threads.toString());
    }

    @Test
    void aHandlerMayCompleteLaterFromAnotherThread() throws IOException {
        behaviour = (r, p, reply) -> CompletableFuture.runAsync(() -> reply.unknown("unknown group 'Z'"), ASYNC);
        final ControlClient.Reply reply = client().call(new ControlRequest.GroupMove("Z", Optional.empty()));
        assertEquals(ControlStatus.UNKNOWN, reply.status());
        assertEquals("unknown group 'Z'", reply.text());
    }

    @Test
    void aHandlerThatNeverRepliesGetsTimedOutAndALateReplyIsIgnored() throws IOException {
        server.close();
        final CompletableFuture<ControlReply> kept = new CompletableFuture<>();
        behaviour = (r, p, reply) -> kept.complete(reply);
        server = ControlServer.start(options().withHandlerDeadlineMs(200), this::handle);
        final ControlClient.Reply reply = client().call(new ControlRequest.ClusterShutdown());
        assertEquals(ControlStatus.TIMEOUT, reply.status());
        assertTrue(reply.text().startsWith("timed out"), reply.text());
        assertFalse(kept.join().ok("too late"));
    }

    @Test
    void aThrowingHandlerIsASystemErrorAndTheServerGoesOn() throws IOException {
        behaviour = (r, p, reply) -> {
            throw new IllegalStateException("boom");
        };
        assertEquals(ControlStatus.SYSTEM, client().call(new ControlRequest.Down()).status());
        behaviour = (r, p, reply) -> reply.ok("fine");
        assertEquals("fine", client().call(new ControlRequest.Down()).text());
    }

    @Test
    void everyBadFixtureGetsAProtocolErrorOrNoReplyAndHarmsNothing() throws IOException {
        for (final String line : Files.readAllLines(FIXTURES.resolve("MANIFEST.tsv"))) {
            if (!line.startsWith("bad\t")) {
                continue;
            }
            final String file = line.split("\t")[1];
            final byte[] bytes = Files.readAllBytes(FIXTURES.resolve(file));
            if (bytes.length == 0) {
                assertThrows(IOException.class, () -> client().exchange(bytes), file);
                continue;
            }
            final ControlClient.Reply reply = client().exchange(bytes);
            assertEquals(ControlStatus.PROTOCOL, reply.status(), file + ": " + reply.text());
            assertFalse(reply.text().contains("\n"), reply.text());
        }
        assertTrue(seen.isEmpty(), seen.toString());
        assertEquals(ControlStatus.OK, client().call(new ControlRequest.Status(false)).status());
    }

    @Test
    void anotherVersionIsToldTheAgentsVersion() throws IOException {
        final byte[] v2 = ControlCodec.encode(new ControlRequest.Down().toMessage(), 2);
        final ControlClient.Reply reply = client().exchange(v2);
        assertEquals(ControlStatus.PROTOCOL, reply.status());
        assertEquals("protocol version 2 not supported (agent speaks 1): use the arm* commands of the installed armd",
            reply.text());
    }

    @Test
    void invalidFieldValuesAreAUsageError() throws IOException {
        final ControlCodec.Message load = new ControlCodec.Message(ControlCodec.REQ_LOAD, 0, 0,
            List.of("A", "httpd", "12ab", "failover", "0", "0", "x"));
        final ControlClient.Reply reply = client().call(load);
        assertEquals(ControlStatus.USAGE, reply.status());
        assertEquals("pid must be a whole number, not '12ab'", reply.text());
        assertEquals(ControlStatus.USAGE, client().call(new ControlCodec.Message(ControlCodec.REQ_GROUP_STOP, 0, 0,
            List.of(""))).status());
        assertTrue(seen.isEmpty());
    }

    @Test
    void aHugeLengthIsRefusedWithoutReadingIt() throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            final ByteBuffer h = ByteBuffer.allocate(16).putInt(ControlCodec.PROTOCOL_MAGIC).putShort((short) 1)
                .putShort((short) ControlCodec.REQ_LOG).putShort((short) 0).putShort((short) 0).putInt(0x7fffffff)
                .flip();
            ch.write(h);
            // the connection stays open on our side: the reply must come without the 2 GiB payload
            final ControlClient.Reply reply = readReply(ch);
            assertEquals(ControlStatus.PROTOCOL, reply.status());
            assertEquals("request of 2147483663 bytes exceeds 65536", reply.text());
        }
    }

    @Test
    void aSlowClientIsCutOffAtTheReadDeadline() throws IOException {
        server.close();
        server = ControlServer.start(options().withReadTimeoutMs(200), this::handle);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap(new byte[] {0x41, 0x52, 0x4D}));
            final ControlClient.Reply reply = readReply(ch);
            assertEquals(ControlStatus.PROTOCOL, reply.status());
            assertEquals("request not received within 200 ms", reply.text());
        }
        assertEquals(ControlStatus.OK, client().call(new ControlRequest.Down()).status());
    }

    @Test
    void aClientThatLeavesHalfwayHarmsNothing() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ch.write(ByteBuffer.wrap(new byte[] {0x41, 0x52, 0x4D, 0x44, 0, 1}));
            }
        }
        assertEquals(ControlStatus.OK, client().call(new ControlRequest.Down()).status());
        assertTrue(seen.size() == 1);
    }

    @Test
    void connectionsBeyondTheLimitAreToldBusy() throws Exception {
        server.close();
        final CountDownLatch release = new CountDownLatch(1);
        behaviour = (r, p, reply) -> Thread.ofVirtual().start(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply.ok("released");
        });
        server = ControlServer.start(options().withLimits(1, 4), this::handle);
        final CompletableFuture<ControlClient.Reply> first = CompletableFuture.supplyAsync(() -> {
            try {
                return client().call(new ControlRequest.ClusterStart());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, ASYNC);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.isEmpty() && System.nanoTime() - deadlineNs < 0) {
            Thread.onSpinWait();
        }
        final ControlClient.Reply busy = client().call(new ControlRequest.Status(false));
        assertEquals(ControlStatus.REFUSED, busy.status());
        assertTrue(busy.text().startsWith("armd is busy"), busy.text());
        release.countDown();
        assertEquals("released", first.get(10, TimeUnit.SECONDS).text());
    }

    @Test
    void aFullTableDropsTheConnectionThatWaitedLongestForItsRequest() throws Exception {
        server.close();
        server = ControlServer.start(options().withReadTimeoutMs(30_000).withLimits(2, 4), this::handle);
        try (SocketChannel oldest = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             SocketChannel younger = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            // the table is full (two connections waiting for their requests): a third one takes the oldest's slot
            assertEquals(ControlStatus.OK, client().call(new ControlRequest.Status(false)).status());
            final ControlClient.Reply dropped = readReply(oldest);
            assertEquals(ControlStatus.REFUSED, dropped.status());
            assertEquals("armd is busy: your request did not arrive before the connection table filled up",
                dropped.text());
            younger.write(ByteBuffer.wrap(ControlCodec.encode(new ControlRequest.Down().toMessage())));
            assertEquals(ControlStatus.OK, readReply(younger).status());
            assertEquals(1, server.counters().dropped());
        }
    }

    @Test
    void aReplyLargerThanTheSocketBufferArrivesWhole() throws IOException {
        // more than a socket's send buffer (208 KiB by default): written as the client reads it
        final String text = "x".repeat(250_000);
        behaviour = (r, p, reply) -> reply.ok(text);
        for (int i = 0; i < 3; i++) {
            assertEquals(text, client().call(new ControlRequest.Status(false)).text());
        }
    }

    @Test
    void aStaleSocketFileIsReplacedButALiveAgentIsNot() throws IOException {
        server.close();
        // a socket file whose listener is gone (an agent that died)
        final ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close();
        assertTrue(Files.exists(socket));
        server = ControlServer.start(options(), this::handle);
        assertEquals(ControlStatus.OK, client().call(new ControlRequest.Down()).status());
        final OperatorException e = assertThrows(OperatorException.class,
            () -> ControlServer.start(options(), this::handle));
        assertEquals("another armd agent is running on this server (it answers on " + socket + "): stop it first",
            e.getMessage());
        assertEquals(ControlStatus.OK, client().call(new ControlRequest.Down()).status());
    }

    @Test
    void aNonSocketAtThePathIsLeftAlone() throws IOException {
        server.close();
        Files.writeString(socket, "not a socket");
        final OperatorException e = assertThrows(OperatorException.class,
            () -> ControlServer.start(options(), this::handle));
        assertTrue(e.getMessage().endsWith("exists and is not a socket: remove it or set another control socket path"));
        assertEquals("not a socket", Files.readString(socket));
    }

    @Test
    void closingRemovesTheSocketAndAnswersWaitingCallers() throws Exception {
        behaviour = (r, p, reply) -> { };
        final CompletableFuture<ControlClient.Reply> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return client().call(new ControlRequest.GroupStop("A"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, ASYNC);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.isEmpty() && System.nanoTime() - deadlineNs < 0) {
            Thread.onSpinWait();
        }
        server.close();
        assertFalse(Files.exists(socket));
        try {
            final ControlClient.Reply reply = waiting.get(10, TimeUnit.SECONDS);
            assertEquals(ControlStatus.REFUSED, reply.status());
            assertEquals("armd is stopping", reply.text());
        } catch (java.util.concurrent.ExecutionException e) {
            // the connection may close before the reply is written: the client sees that, never a hang
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    @Test
    void closingWithConnectionsInEveryStateThrowsNothingOnAnyThread() throws Exception {
        final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        final Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            for (int round = 0; round < 5; round++) {
                server.close();
                behaviour = (r, p, reply) -> { };
                server = ControlServer.start(options(), this::handle);
                final List<SocketChannel> open = new java.util.ArrayList<>();
                try {
                    for (int i = 0; i < 20; i++) {
                        final SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                        open.add(ch);
                        try {
                            if (i % 3 == 1) {
                                ch.write(ByteBuffer.wrap(new byte[] {0x41, 0x52}));
                            } else if (i % 3 == 2) {
                                ch.write(ByteBuffer.wrap(ControlCodec.encode(new ControlRequest.Status(false)
                                    .toMessage())));
                            }
                        } catch (IOException e) {
                            // turned away already (at most a few connections per process): one more state
                        }
                    }
                    // connections still arriving while the server closes
                    final Thread late = Thread.ofVirtual().start(() -> {
                        for (int i = 0; i < 50; i++) {
                            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                                ch.write(ByteBuffer.wrap(new byte[] {0x41}));
                            } catch (IOException e) {
                                return;
                            }
                        }
                    });
                    server.close();
                    late.join(10_000);
                } finally {
                    for (final SocketChannel ch : open) {
                        ch.close();
                    }
                }
            }
            // whatever was still running on the server's threads has had its chance to fail
            Thread.sleep(200);
            assertEquals(0, uncaught.size(), () -> uncaught.size() + " uncaught, the first: " + uncaught.getFirst());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    @Test
    void noAgentIsToldInOneLine() {
        server.close();
        final ControlClient.NotRunningException e = assertThrows(ControlClient.NotRunningException.class,
            () -> client().call(new ControlRequest.Down()));
        assertEquals("agent not running (no control socket at " + socket + "): start it with "
            + "'systemctl start armd@NAME' or 'armd run --config FILE --server NAME'", e.getMessage());
    }

    private static ControlClient.Reply readReply(final SocketChannel ch) throws IOException {
        final ByteBuffer h = ByteBuffer.allocate(16);
        while (h.hasRemaining()) {
            if (ch.read(h) < 0) {
                throw new IOException("closed");
            }
        }
        h.flip();
        try {
            final ControlCodec.Header header = ControlCodec.decodeHeader(h);
            final ByteBuffer p = ByteBuffer.allocate((int) header.payloadLength());
            while (p.hasRemaining()) {
                if (ch.read(p) < 0) {
                    throw new IOException("closed");
                }
            }
            p.flip();
            return new ControlClient.Reply(ControlStatus.of(header.status()),
                ControlCodec.decodeFields(header.type(), p).getFirst());
        } catch (ControlCodec.MalformedException e) {
            throw new IOException(e);
        }
    }
}
