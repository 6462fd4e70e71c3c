package armd.sys.unix;

import armd.sys.Errno;
import armd.sys.Libc;
import armd.sys.SockAddr;
import armd.sys.SysException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * AF_UNIX stream sockets, non-blocking and close-on-exec, for a server that serves every connection from one
 * poll(2) loop: listen on a path, accept with the caller's credentials (SO_PEERCRED: pid, uid, gid, known
 * before a byte is read), read, send, shut down, close. The data calls take direct buffers and return
 * {@code -errno} rather than throw (EAGAIN is a normal outcome). Not a hot path: a call may allocate.
 */
public final class UnixStream {
    // linux/net.h, asm-generic/socket.h, linux/socket.h, sys/socket.h
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_PEERCRED = 17;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    /** struct sockaddr_un (linux/un.h): sun_family(2) sun_path[108]. */
    static final int SOCKADDR_UN_SIZE = 110;
    /** The longest path sun_path holds with its terminating NUL. */
    public static final int MAX_PATH_BYTES = 107;
    /** struct ucred (linux/socket.h): pid, uid, gid, 4 bytes each. */
    static final int UCRED_SIZE = 12;
    public static final int SHUT_WR = 1;

    private static final MethodHandle LISTEN = Libc.errnoCall("listen",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle ACCEPT4 = Libc.errnoCall("accept4", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SHUTDOWN = Libc.errnoCall("shutdown",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private UnixStream() {
    }

    /**
     * A listening socket bound at {@code path} (which must not exist) with {@code backlog}; returns its
     * descriptor. Throws {@link SysException} naming the call and the path.
     */
    public static int listen(final String path, final int backlog) {
        final byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_PATH_BYTES) {
            throw new SysException("bind", path + " (" + name.length + " bytes, at most " + MAX_PATH_BYTES + ")",
                Errno.EINVAL);
        }
        final int fd = Errno.check(Libc.socket(SockAddr.AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
            "socket(AF_UNIX)", path);
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE, 8);
            addr.set(ValueLayout.JAVA_SHORT, 0, SockAddr.AF_UNIX);
            MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
            Errno.check(Libc.bind(fd, addr, 2 + name.length + 1), "bind", path);
            Errno.check(call(LISTEN, fd, backlog), "listen", path);
            return fd;
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static int call(final MethodHandle h, final int a, final int b) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) h.invokeExact(c, a, b), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Accepts one waiting connection (non-blocking, close-on-exec) and reads its credentials into
     * {@code cred}: pid (0 when the caller is in a pid namespace this one cannot see), uid, gid. Returns the
     * descriptor, or {@code -errno} ({@code -EAGAIN}: nobody waiting).
     */
    public static int accept(final int listenFd, final int[] cred) {
        final MemorySegment c = Libc.errnoCapture();
        final int fd;
        try {
            fd = Libc.result((int) ACCEPT4.invokeExact(c, listenFd, MemorySegment.NULL, MemorySegment.NULL,
                SOCK_NONBLOCK | SOCK_CLOEXEC), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            return fd;
        }
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment ucred = a.allocate(UCRED_SIZE, 4);
            final MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, UCRED_SIZE);
            final int rc = Libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, len);
            if (rc < 0) {
                Libc.close(fd);
                return rc;
            }
            cred[0] = ucred.get(ValueLayout.JAVA_INT, 0);
            cred[1] = ucred.get(ValueLayout.JAVA_INT, 4);
            cred[2] = ucred.get(ValueLayout.JAVA_INT, 8);
        }
        return fd;
    }

    /**
     * read(2) into {@code dst} (a direct buffer) from its position up to its limit; advances the position.
     * Returns the bytes read, 0 at end of stream, or {@code -errno} ({@code -EAGAIN}: nothing yet).
     */
    public static int read(final int fd, final ByteBuffer dst) {
        final int pos = dst.position();
        final long n = Libc.read(fd, MemorySegment.ofBuffer(dst), dst.remaining());
        if (n > 0) {
            dst.position(pos + (int) n);
        }
        return (int) n;
    }

    /**
     * send(2) from {@code src} (a direct buffer), never blocking and never raising SIGPIPE; advances the
     * position. Returns the bytes sent or {@code -errno} ({@code -EAGAIN}: the socket buffer is full).
     */
    public static int send(final int fd, final ByteBuffer src) {
        final int pos = src.position();
        final long n = Libc.send(fd, MemorySegment.ofBuffer(src), src.remaining(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            src.position(pos + (int) n);
        }
        return (int) n;
    }

    /** shutdown(2): 0 or {@code -errno}. */
    public static int shutdown(final int fd, final int how) {
        return call(SHUTDOWN, fd, how);
    }

    /** close(2): 0 or {@code -errno}. */
    public static int close(final int fd) {
        return Libc.close(fd);
    }
}
