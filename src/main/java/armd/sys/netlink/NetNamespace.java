package armd.sys.netlink;

import armd.sys.Errno;
import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

/**
 * Runs code with the calling thread in a named network namespace ({@code ip netns add NAME}), then puts the
 * thread back. A socket opened inside stays in that namespace for its whole life, wherever it is used from:
 * open sockets here and use them anywhere. setns(2) with CLONE_NEWNET acts on the calling thread only.
 */
public final class NetNamespace {
    /** sched.h. */
    static final int CLONE_NEWNET = 0x40000000;
    /** Where iproute2 bind-mounts named namespaces. */
    static final String NETNS_DIR = "/run/netns/";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SETNS = LINKER.downcallHandle(
        LINKER.defaultLookup().find("setns").orElseThrow(() -> new UnsatisfiedLinkError("libc: setns")),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
        Linker.Option.captureCallState("errno"));

    private NetNamespace() {
    }

    /** setns(2): 0 or -errno. */
    static int setns(final int fd, final int nsType) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment capture = a.allocate(CAPTURE_LAYOUT);
            final int rc = (int) SETNS.invokeExact(capture, fd, nsType);
            return rc == -1 ? -(int) ERRNO.get(capture, 0L) : rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Runs {@code body} with this thread in the namespace {@code name} and returns its result; the thread is
     * back in its own namespace afterwards, even when {@code body} throws. Needs CAP_SYS_ADMIN.
     */
    public static <T> T call(final String name, final Supplier<T> body) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("not a namespace name: " + name);
        }
        try (Arena a = Arena.ofConfined()) {
            final int self = Errno.check(Libc.open(a.allocateFrom("/proc/thread-self/ns/net"), 0x80000, 0),
                "open", "/proc/thread-self/ns/net");
            try {
                final String path = NETNS_DIR + name;
                final int target = Errno.check(Libc.open(a.allocateFrom(path), 0x80000, 0), "open", path);
                try {
                    Errno.check(setns(target, CLONE_NEWNET), "setns", path);
                } finally {
                    Libc.close(target);
                }
                try {
                    return body.get();
                } finally {
                    // failing to return would leave this thread in the wrong namespace: that must not pass silently
                    Errno.check(setns(self, CLONE_NEWNET), "setns", "/proc/thread-self/ns/net");
                }
            } finally {
                Libc.close(self);
            }
        }
    }
}
