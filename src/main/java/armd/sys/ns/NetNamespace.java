package armd.sys.ns;

import java.util.concurrent.Callable;

/**
 * Runs code with the calling thread inside a named network namespace ({@code ip netns add NAME}), using
 * setns(2), which moves only the calling thread. Sockets opened inside stay in that namespace after the
 * thread returns, so tests and benchmarks open probes here and use them from any thread.
 *
 * <p>Needs CAP_SYS_ADMIN. Call only from platform threads (a virtual thread may change carrier).
 */
public final class NetNamespace {
    private NetNamespace() {
    }

    /**
     * Runs {@code body} with the calling thread in network namespace {@code name} and returns its result;
     * the thread is back in its own namespace afterwards, also when {@code body} throws.
     */
    public static <T> T call(final String name, final Callable<T> body) throws Exception {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("network namespace name: " + name);
        }
        try (armd.sys.NetNamespace.Scope s = armd.sys.NetNamespace.enter(name)) {
            return body.call();
        }
    }
}
