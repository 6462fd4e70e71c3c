package armd.sys.ns;

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
import java.util.concurrent.Callable;

/**
 * Runs code with the calling thread inside a named network namespace ({@code ip netns add NAME}), using
 * setns(2), which moves only the calling thread. Sockets opened inside stay in that namespace after the
 * thread returns, so tests and benchmarks open probes here and use them from any thread.
 *
 * <p>Needs CAP_SYS_ADMIN. Call only from platform threads (a virtual thread may change carrier).
 */
public final class NetNamespace {
    /** linux/sched.h: CLONE_NEWNET, the nstype for a network namespace. */
    static final int CLONE_NEWNET = 0x40000000;
    /** fcntl.h: O_RDONLY | O_CLOEXEC. */
    static final int O_RDONLY_CLOEXEC = 0x80000;
    /** Where iproute2 keeps its named namespaces (bind mounts of /proc/PID/ns/net). */
    static final String NETNS_RUN_DIR = "/run/netns/";

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
    static int setns(final int fd, final int nstype) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment c = a.allocate(CAPTURE_LAYOUT);
            final int rc = (int) SETNS.invokeExact(c, fd, nstype);
            return rc == -1 ? -(int) ERRNO.get(c, 0L) : rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int openPath(final String path) {
        try (Arena a = Arena.ofConfined()) {
            return Errno.check(Libc.open(a.allocateFrom(path), O_RDONLY_CLOEXEC, 0), "open", path);
        }
    }

    /**
     * Runs {@code body} with the calling thread in network namespace {@code name} and returns its result;
     * the thread is back in its own namespace afterwards, also when {@code body} throws.
     */
    public static <T> T call(final String name, final Callable<T> body) throws Exception {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("network namespace name: " + name);
        }
        final int home = openPath("/proc/thread-self/ns/net");
        try {
            final int target = openPath(NETNS_RUN_DIR + name);
            try {
                Errno.check(setns(target, CLONE_NEWNET), "setns", name);
            } finally {
                Libc.close(target);
            }
            try {
                return body.call();
            } finally {
                Errno.check(setns(home, CLONE_NEWNET), "setns", "/proc/thread-self/ns/net");
            }
        } finally {
            Libc.close(home);
        }
    }
}
