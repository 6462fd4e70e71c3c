package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test fixture: the service manager's side of sd_notify, an AF_UNIX datagram socket bound to a path (or, with '@',
 * an abstract name) whose datagrams the test reads, as systemd would.
 */
public final class NotifySocket implements AutoCloseable {
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int POLLIN = 1;

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final String name;
    private final MemorySegment buf = arena.allocate(4096);

    /** Binds {@code name}: an absolute path, or '@' and an abstract name. */
    public NotifySocket(final String name) {
        this.name = name;
        fd = Errno.check(Libc.socket(SockAddr.AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket", name);
        final byte[] b = name.getBytes(StandardCharsets.UTF_8);
        final MemorySegment addr = arena.allocate(110);
        addr.set(ValueLayout.JAVA_SHORT, 0, SockAddr.AF_UNIX);
        MemorySegment.copy(b, 0, addr, ValueLayout.JAVA_BYTE, 2, b.length);
        final boolean abstractName = b[0] == '@';
        if (abstractName) {
            addr.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
        }
        Errno.check(Libc.bind(fd, addr, 2 + b.length + (abstractName ? 0 : 1)), "bind", name);
    }

    /** The name to put in NOTIFY_SOCKET. */
    public String name() {
        return name;
    }

    /** The next datagram within {@code timeoutMs}, or null. */
    public String receive(final int timeoutMs) {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        final MemorySegment pfd = arena.allocate(8);
        while (true) {
            final long n = Libc.recvfrom(fd, buf, buf.byteSize(), MSG_DONTWAIT, MemorySegment.NULL,
                MemorySegment.NULL);
            if (n >= 0) {
                final byte[] b = new byte[(int) n];
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, 0, (int) n);
                return new String(b, StandardCharsets.UTF_8);
            }
            final long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return null;
            }
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, (short) POLLIN);
            Libc.poll(pfd, 1, (int) Math.min(left, 1000));
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
        if (name.startsWith("/")) {
            try {
                Files.deleteIfExists(Path.of(name));
            } catch (java.io.IOException ignored) {
                // a temp directory's file: best effort
            }
        }
    }
}
