package armd.control;

import armd.wire.ControlCodec;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A control-socket client: one request, one reply, per call. Used by {@code armd ctl} and the tests; the
 * arm* commands use the C client (native/lib/arm_client.c) that behaves the same.
 */
public final class ControlClient {
    /** The default socket when neither {@code --socket} nor ARMD_SOCKET says otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/armd/armd.sock");
    /** Longer than the agent's handler deadline (120 s), so the agent's "timed out" reply arrives first. */
    public static final long DEFAULT_TIMEOUT_MS = 150_000;

    /** A reply: its status and text. */
    public record Reply(ControlStatus status, String text) {
    }

    /** No agent listens on the socket; the message is the one-line explanation. */
    public static final class NotRunningException extends IOException {
        private static final long serialVersionUID = 1L;

        /** One line. */
        public NotRunningException(final String message) {
            super(message);
        }
    }

    /** The caller may not use the socket (not root, not armd's user). */
    public static final class NotAllowedException extends IOException {
        private static final long serialVersionUID = 1L;

        /** One line. */
        public NotAllowedException(final String message) {
            super(message);
        }
    }

    private final Path socket;
    private final long timeoutMs;

    /** A client of the agent at {@code socket}, waiting up to {@code timeoutMs} for each reply. */
    public ControlClient(final Path socket, final long timeoutMs) {
        this.socket = socket;
        this.timeoutMs = timeoutMs;
    }

    /** The socket from {@code option} when given, else env ARMD_SOCKET, else {@link #DEFAULT_SOCKET}. */
    public static Path socketPath(final String option) {
        if (option != null && !option.isEmpty()) {
            return Path.of(option);
        }
        final String env = System.getenv("ARMD_SOCKET");
        return env != null && !env.isEmpty() ? Path.of(env) : DEFAULT_SOCKET;
    }

    /** Sends {@code request} and returns the agent's reply. */
    public Reply call(final ControlRequest request) throws IOException {
        return call(request.toMessage());
    }

    /** Sends {@code message} (any bytes the codec makes: tests send versions and types of their own). */
    public Reply call(final ControlCodec.Message message) throws IOException {
        final byte[] bytes = ControlCodec.encode(message);
        if (bytes.length > ControlCodec.MAX_REQUEST) {
            throw new IOException("request of " + bytes.length + " bytes exceeds " + ControlCodec.MAX_REQUEST
                + " (a shorter message or name, please)");
        }
        return exchange(bytes);
    }

    /** Sends raw bytes and reads one reply: for tests of the server's defences. */
    public Reply exchange(final byte[] request) throws IOException {
        final SocketChannel ch = connect();
        final AtomicBoolean timedOut = new AtomicBoolean();
        final Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeoutMs);
                timedOut.set(true);
                ch.close();
            } catch (InterruptedException | IOException e) {
                // the call finished first
            }
        });
        try (ch) {
            final ByteBuffer out = ByteBuffer.wrap(request);
            try {
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                // one request per connection: EOF tells the agent a short request is all there is
                ch.shutdownOutput();
            } catch (IOException e) {
                // EPIPE: the agent answered early (busy, refused, malformed) and closed; its reply is still queued
                if (timedOut.get()) {
                    throw e;
                }
            }
            final ByteBuffer header = ByteBuffer.allocate(ControlCodec.HEADER_SIZE);
            readFully(ch, header);
            header.flip();
            final ControlCodec.Header h = ControlCodec.decodeHeader(header);
            if (h.version() != ControlCodec.PROTOCOL_VERSION || h.payloadLength() > ControlCodec.MAX_RESPONSE_PAYLOAD
                || (h.type() != ControlCodec.RES_RESULT && h.type() != ControlCodec.RES_PROTOCOL_ERROR)) {
                throw new IOException("the agent at " + socket + " answers in protocol version " + h.version()
                    + ", this armd speaks " + ControlCodec.PROTOCOL_VERSION + ": use the armd that runs the agent");
            }
            final ByteBuffer payload = ByteBuffer.allocate((int) h.payloadLength());
            readFully(ch, payload);
            payload.flip();
            final String text = ControlCodec.decodeFields(h.type(), payload).getFirst();
            return new Reply(ControlStatus.of(h.status()), text);
        } catch (ControlCodec.MalformedException e) {
            throw new IOException("malformed reply from the agent at " + socket + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new IOException("no reply from the agent at " + socket + " within " + timeoutMs + " ms", e);
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    private SocketChannel connect() throws IOException {
        final SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw explain(e);
        }
    }

    private IOException explain(final IOException e) {
        final String m = String.valueOf(e.getMessage());
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !m.contains("Permission denied")) {
            return new NotRunningException("agent not running (no control socket at " + socket + "): start it with "
                + "'systemctl start armd@NAME' or 'armd run --config FILE --server NAME'");
        }
        if (m.contains("Connection refused")) {
            return new NotRunningException("agent not running (nobody listens on " + socket + "): start it with "
                + "'systemctl start armd@NAME' or 'armd run --config FILE --server NAME'");
        }
        if (m.contains("Permission denied")) {
            return new NotAllowedException("permission denied: armd's control socket " + socket + " is root-only");
        }
        if (e instanceof SocketException) {
            return new IOException("cannot connect to the agent at " + socket + ": " + m, e);
        }
        return e;
    }

    private static void readFully(final SocketChannel ch, final ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("the agent closed the connection before its reply was complete");
            }
        }
    }
}
