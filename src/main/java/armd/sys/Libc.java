package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc downcalls armd uses, built once. Every call that can fail captures errno in the calling
 * thread's capture segment and returns {@code -errno} on failure (Netty's convention), so the hot path
 * never allocates: {@link Errno#check} turns a negative result into a {@link SysException} at the edge.
 *
 * <p>This is the one place errno is captured: classes of armd.sys that need a call Libc lacks build its
 * handle with {@link #errnoCall} and call it with {@link #errnoCapture()} and {@link #result}. Calls go
 * through glibc's wrappers (Debian 12, glibc 2.36), never syscall(2) with a number: numbers differ between
 * architectures and the wrappers exist for everything armd calls. Only calls that cannot fail (getpid,
 * geteuid, strerror; clock_gettime in {@link Clock}) are built without the capture.
 *
 * <p>Thread-safe: handles are immutable; the errno capture segment is per thread.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    /** One errno capture segment per thread, allocated once per thread and never freed (threads are few). */
    private static final ThreadLocal<MemorySegment> CAPTURE =
        ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle BIND = errnoCall("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle CONNECT = errnoCall("connect", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle SENDTO =
        errnoCall("sendto", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, INT));
    private static final MethodHandle SEND = errnoCall("send", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT));
    private static final MethodHandle RECVFROM =
        errnoCall("recvfrom", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, PTR));
    private static final MethodHandle RECVMSG = errnoCall("recvmsg", FunctionDescriptor.of(LONG, INT, PTR, INT));
    private static final MethodHandle SENDMSG = errnoCall("sendmsg", FunctionDescriptor.of(LONG, INT, PTR, INT));
    private static final MethodHandle SETSOCKOPT =
        errnoCall("setsockopt", FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
    private static final MethodHandle GETSOCKOPT =
        errnoCall("getsockopt", FunctionDescriptor.of(INT, INT, INT, INT, PTR, PTR));
    private static final MethodHandle POLL = errnoCall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
    private static final MethodHandle OPEN =
        errnoCall("open", FunctionDescriptor.of(INT, PTR, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle PREAD = errnoCall("pread", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle PWRITE =
        errnoCall("pwrite", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle FSYNC = errnoCall("fsync", FunctionDescriptor.of(INT, INT));
    /** fcntl(int, int, ...): variadic, the third argument an int. */
    private static final MethodHandle FCNTL_INT =
        errnoCall("fcntl", FunctionDescriptor.of(INT, INT, INT, INT), Linker.Option.firstVariadicArg(2));
    /** ioctl(int, unsigned long, ...): variadic, the third argument a pointer. */
    private static final MethodHandle IOCTL_PTR =
        errnoCall("ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IF_NAMETOINDEX =
        errnoCall("if_nametoindex", FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle STRERROR = plainCall("strerror", FunctionDescriptor.of(PTR, INT));
    private static final MethodHandle GETEUID = plainCall("geteuid", FunctionDescriptor.of(INT));
    private static final MethodHandle GETPID = plainCall("getpid", FunctionDescriptor.of(INT));

    private Libc() {
    }

    /**
     * A downcall handle of libc function {@code name} that captures errno: its first argument is the capture
     * segment ({@link #errnoCapture()}). For armd.sys classes that add calls Libc lacks.
     */
    public static MethodHandle errnoCall(final String name, final FunctionDescriptor fd,
                                         final Linker.Option... extra) {
        final Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        final MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** A downcall handle of libc function {@code name} without errno capture: only for calls that cannot fail. */
    static MethodHandle plainCall(final String name, final FunctionDescriptor fd, final Linker.Option... options) {
        final MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** The calling thread's errno capture segment, for handles made by {@link #errnoCall}; never allocates. */
    public static MemorySegment errnoCapture() {
        return CAPTURE.get();
    }

    private static int errno(final MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** A call's result: {@code rc}, or {@code -errno} from {@code capture} when {@code rc} is -1. */
    public static int result(final int rc, final MemorySegment capture) {
        return rc == -1 ? -errno(capture) : rc;
    }

    /** {@link #result(int, MemorySegment)} for calls returning long (ssize_t). */
    public static long result(final long rc, final MemorySegment capture) {
        return rc == -1 ? -errno(capture) : rc;
    }

    /** What a downcall's {@code catch (Throwable t)} throws: the unchecked exception or error as it is. */
    public static RuntimeException rethrow(final Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** socket(2): the new descriptor, or -errno. */
    public static int socket(final int domain, final int type, final int protocol) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) SOCKET.invokeExact(c, domain, type, protocol), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** bind(2): 0 or -errno. */
    public static int bind(final int fd, final MemorySegment addr, final int addrLen) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) BIND.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** connect(2): 0 or -errno. */
    public static int connect(final int fd, final MemorySegment addr, final int addrLen) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) CONNECT.invokeExact(c, fd, addr, addrLen), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2): 0 or -errno. */
    public static int close(final int fd) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) CLOSE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendto(2): bytes sent or -errno. {@code addr} may be {@link MemorySegment#NULL}. */
    public static long sendto(final int fd, final MemorySegment buf, final long len, final int flags,
                              final MemorySegment addr, final int addrLen) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) SENDTO.invokeExact(c, fd, buf, len, flags, addr, addrLen), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** send(2): bytes sent or -errno. */
    public static long send(final int fd, final MemorySegment buf, final long len, final int flags) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) SEND.invokeExact(c, fd, buf, len, flags), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvfrom(2): bytes received or -errno. {@code addr}/{@code addrLen} may be {@link MemorySegment#NULL}. */
    public static long recvfrom(final int fd, final MemorySegment buf, final long len, final int flags,
                                final MemorySegment addr, final MemorySegment addrLen) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) RECVFROM.invokeExact(c, fd, buf, len, flags, addr, addrLen), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvmsg(2): bytes received or -errno. */
    public static long recvmsg(final int fd, final MemorySegment msghdr, final int flags) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) RECVMSG.invokeExact(c, fd, msghdr, flags), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendmsg(2): bytes sent or -errno. */
    public static long sendmsg(final int fd, final MemorySegment msghdr, final int flags) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) SENDMSG.invokeExact(c, fd, msghdr, flags), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2): 0 or -errno. */
    public static int setsockopt(final int fd, final int level, final int name, final MemorySegment value,
                                 final int len) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) SETSOCKOPT.invokeExact(c, fd, level, name, value, len), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** getsockopt(2): 0 or -errno; {@code len} is an in/out socklen_t. */
    public static int getsockopt(final int fd, final int level, final int name, final MemorySegment value,
                                 final MemorySegment len) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) GETSOCKOPT.invokeExact(c, fd, level, name, value, len), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2): number of ready descriptors, 0 on timeout, or -errno. */
    public static int poll(final MemorySegment fds, final long nfds, final int timeoutMs) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) POLL.invokeExact(c, fds, nfds, timeoutMs), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** open(2) with a mode: the descriptor or -errno. {@code path} is a NUL-terminated C string. */
    public static int open(final MemorySegment path, final int flags, final int mode) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) OPEN.invokeExact(c, path, flags, mode), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2): bytes read or -errno. */
    public static long read(final int fd, final MemorySegment buf, final long len) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) READ.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2): bytes written or -errno. */
    public static long write(final int fd, final MemorySegment buf, final long len) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) WRITE.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fcntl(2) with an int argument: the result or -errno. */
    public static int fcntl(final int fd, final int cmd, final int arg) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) FCNTL_INT.invokeExact(c, fd, cmd, arg), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pread(2): bytes read or -errno. */
    public static long pread(final int fd, final MemorySegment buf, final long len, final long offset) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) PREAD.invokeExact(c, fd, buf, len, offset), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pwrite(2): bytes written or -errno. */
    public static long pwrite(final int fd, final MemorySegment buf, final long len, final long offset) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((long) PWRITE.invokeExact(c, fd, buf, len, offset), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fsync(2): 0 or -errno. */
    public static int fsync(final int fd) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) FSYNC.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) with a pointer argument: the ioctl's non-negative result or -errno. */
    public static int ioctl(final int fd, final long request, final MemorySegment arg) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) IOCTL_PTR.invokeExact(c, fd, request, arg), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** if_nametoindex(3): the index, or -errno (0 from libc becomes -errno, usually -ENODEV). */
    public static int ifNameToIndex(final MemorySegment name) {
        final MemorySegment c = CAPTURE.get();
        try {
            final int idx = (int) IF_NAMETOINDEX.invokeExact(c, name);
            return idx == 0 ? -Math.max(1, errno(c)) : idx;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** eventfd(2) (glibc's wrapper of eventfd2): the descriptor or -errno. */
    public static int eventfd(final int initval, final int flags) {
        final MemorySegment c = CAPTURE.get();
        try {
            return result((int) EVENTFD.invokeExact(c, initval, flags), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** geteuid(2). */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** getpid(2). */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** strerror(3) as a Java string; for error paths only (it allocates). */
    static String strerror(final int errno) {
        try {
            final MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
