package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;

/**
 * Moves the calling thread into a named network namespace ({@code ip netns add NAME} makes
 * /run/netns/NAME) with setns(2), and back. Linux lets one thread of a multi-threaded process change its own
 * network namespace; sockets it opens there stay in that namespace for their whole life, whichever thread
 * uses them later. That is how one test JVM runs several cluster nodes, each in its own namespace.
 *
 * <p>Typical use: {@code try (NetNamespace.Scope s = NetNamespace.enter(name)) { open sockets }}, or
 * {@link #call} around a body. Needs CAP_SYS_ADMIN. Call only from platform threads (a virtual thread may
 * change carrier).
 */
public final class NetNamespace {
    /** CLONE_NEWNET (linux/sched.h): the nstype argument of setns(2). */
    public static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private static final MethodHandle SETNS = Libc.errnoCall("setns",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private NetNamespace() {
    }

    /** setns(2) of the calling thread into the namespace open at {@code fd}: 0 or -errno. */
    public static int setns(final int fd, final int nsType) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) SETNS.invokeExact(c, fd, nsType), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Moves the calling thread into the network namespace named {@code name} (/run/netns/NAME); the returned
     * scope moves it back to the namespace it was in. Throws {@link SysException} naming the path on failure.
     */
    public static Scope enter(final String name) {
        final String path = "/run/netns/" + name;
        final int previous = openPath("/proc/thread-self/ns/net");
        try {
            final int target = openPath(path);
            try {
                Errno.check(setns(target, CLONE_NEWNET), "setns", path);
            } finally {
                Libc.close(target);
            }
        } catch (RuntimeException e) {
            Libc.close(previous);
            throw e;
        }
        return new Scope(previous);
    }

    /**
     * Runs {@code body} with the calling thread in network namespace {@code name} and returns its result;
     * the thread is back in its own namespace afterwards, also when {@code body} throws.
     */
    public static <T> T call(final String name, final Callable<T> body) throws Exception {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("network namespace name: " + name);
        }
        try (Scope s = enter(name)) {
            return body.call();
        }
    }

    private static int openPath(final String path) {
        try (Arena arena = Arena.ofConfined()) {
            return Errno.check(Libc.open(arena.allocateFrom(path), O_RDONLY_CLOEXEC, 0), "open", path);
        }
    }

    /** The calling thread's stay in a namespace; {@link #close()} returns it to where it was (same thread). */
    public static final class Scope implements AutoCloseable {
        private int previousFd;

        private Scope(final int previousFd) {
            this.previousFd = previousFd;
        }

        /** Moves the calling thread back to the namespace it was in before {@link #enter}. */
        @Override
        public void close() {
            if (previousFd < 0) {
                return;
            }
            final int fd = previousFd;
            previousFd = -1;
            try {
                Errno.check(setns(fd, CLONE_NEWNET), "setns", "previous network namespace");
            } finally {
                Libc.close(fd);
            }
        }
    }
}
