package armd.sys.icmp;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one downcall the ICMP socket needs beyond {@code armd.sys.Libc}: getsockname(2), to learn the
 * identifier the kernel gave an unprivileged ping socket. Same conventions as Libc: built once, errno
 * captured per thread, {@code -errno} on failure.
 */
final class SocketCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
        ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE_LAYOUT));
    private static final MethodHandle GETSOCKNAME = LINKER.downcallHandle(
        LINKER.defaultLookup().find("getsockname").orElseThrow(() -> new UnsatisfiedLinkError("libc: getsockname")),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
        Linker.Option.captureCallState("errno"));

    private SocketCalls() {
    }

    /** getsockname(2): 0 or -errno; {@code len} is an in/out socklen_t. */
    static int getsockname(final int fd, final MemorySegment addr, final MemorySegment len) {
        final MemorySegment c = CAPTURE.get();
        try {
            final int rc = (int) GETSOCKNAME.invokeExact(c, fd, addr, len);
            return rc == -1 ? -(int) ERRNO.get(c, 0L) : rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
