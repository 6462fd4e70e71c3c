package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The service manager's notification socket (systemd's sd_notify protocol): one AF_UNIX datagram per message, such
 * as {@code READY=1} or {@code WATCHDOG=1}, to the path in {@code NOTIFY_SOCKET}; a path that starts with '@' is in
 * the abstract namespace (the '@' stands for the leading NUL byte). Sending a pre-built {@link Message} allocates
 * nothing; a send never blocks (a full socket drops the message, as sd_notify does).
 *
 * <p>Thread-safe: sendto(2) on a datagram socket is; the segments are never written after construction.
 */
public final class SdNotify implements AutoCloseable {
    /** The environment variable naming the socket. */
    public static final String SOCKET_VARIABLE = "NOTIFY_SOCKET";
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): sa_family_t and 108 bytes of path. */
    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int PATH_MAX = SOCKADDR_UN_SIZE - 2;

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final MemorySegment address;
    private final int addressLength;
    private final String path;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** A message built once: sending it allocates nothing. */
    public static final class Message {
        private final MemorySegment bytes;
        private final String text;

        private Message(final MemorySegment bytes, final String text) {
            this.bytes = bytes;
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private SdNotify(final String path) {
        this.path = path;
        final byte[] name = path.getBytes(StandardCharsets.UTF_8);
        final boolean abstractName = name[0] == '@';
        if (name.length > (abstractName ? PATH_MAX : PATH_MAX - 1)) {
            throw new SysException("NOTIFY_SOCKET longer than " + PATH_MAX + " bytes", path, Errno.EINVAL);
        }
        address = arena.allocate(SOCKADDR_UN_SIZE);
        address.set(ValueLayout.JAVA_SHORT, 0, SockAddr.AF_UNIX);
        MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
        if (abstractName) {
            address.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
            addressLength = 2 + name.length;
        } else {
            addressLength = 2 + name.length + 1;
        }
        fd = Errno.check(Libc.socket(SockAddr.AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket", "AF_UNIX datagram");
    }

    /** A notifier for the socket at {@code path} ('@' first: abstract namespace). */
    public static SdNotify open(final String path) {
        if (path == null || path.isEmpty() || (path.charAt(0) != '/' && path.charAt(0) != '@')) {
            throw new SysException("NOTIFY_SOCKET neither an absolute path nor @NAME", String.valueOf(path),
                Errno.EINVAL);
        }
        return new SdNotify(path);
    }

    /** The notifier of {@code NOTIFY_SOCKET}, or null when the process was not started by a service manager. */
    public static SdNotify fromEnvironment() {
        final String p = System.getenv(SOCKET_VARIABLE);
        return p == null || p.isEmpty() ? null : open(p);
    }

    /** The socket's path as NOTIFY_SOCKET gave it. */
    public String path() {
        return path;
    }

    /** Builds {@code text} (e.g. "WATCHDOG=1", or several "KEY=VALUE" lines) once. */
    public Message message(final String text) {
        final byte[] b = text.getBytes(StandardCharsets.UTF_8);
        final MemorySegment seg = arena.allocate(Math.max(1, b.length));
        MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
        return new Message(seg.asSlice(0, b.length), text);
    }

    /** Sends {@code m}: 0, or -errno (ECONNREFUSED when nobody listens, EAGAIN when the socket is full). */
    public int send(final Message m) {
        final long n = Libc.sendto(fd, m.bytes, m.bytes.byteSize(), MSG_DONTWAIT | MSG_NOSIGNAL, address,
            addressLength);
        return n < 0 ? (int) n : 0;
    }

    /** Builds and sends {@code text} (allocates: for the rare messages, READY=1, STOPPING=1, STATUS=...). */
    public int send(final String text) {
        return send(message(text));
    }

    /** Closes the socket; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.getAndSet(true)) {
            Libc.close(fd);
            arena.close();
        }
    }
}
