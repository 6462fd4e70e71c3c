package armd.heartbeat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A heartbeat transport inside one JVM, for tests and simulations: every endpoint of a {@link Hub} hears every
 * other endpoint on each path (like multicast with loop off). Paths can be cut inbound per endpoint, and raw
 * datagrams injected, to exercise path independence and authentication drops. Sending allocates (a copy per
 * datagram): this transport is not on any production path.
 *
 * <p>Thread-safe in the same way as the UDP transport: one sending thread and one polling thread per endpoint.
 */
public final class InMemoryHeartbeatTransport implements HeartbeatTransport {
    private final Hub hub;
    private final int endpointId;
    private final HeartbeatStats stats;
    private final ConcurrentLinkedQueue<Datagram>[] inbox;
    private final ByteBuffer rxBuffer = ByteBuffer.allocate(2048);
    private volatile boolean closed;

    private record Datagram(byte[] bytes, long rxNs) {
    }

    /** The shared medium: endpoints, paths and the faults between them. */
    public static final class Hub {
        private final int paths;
        private final InMemoryHeartbeatTransport[] endpoints;
        private final boolean[][] cutInbound;

        /** A hub for up to {@code maxEndpoints} endpoints on {@code paths} heartbeat networks. */
        public Hub(final int maxEndpoints, final int paths) {
            this.paths = paths;
            this.endpoints = new InMemoryHeartbeatTransport[maxEndpoints];
            this.cutInbound = new boolean[maxEndpoints][paths];
        }

        /** The endpoint {@code id} (0 .. maxEndpoints - 1), made on first use. */
        public synchronized InMemoryHeartbeatTransport endpoint(final int id) {
            if (endpoints[id] == null) {
                endpoints[id] = new InMemoryHeartbeatTransport(this, id);
            }
            return endpoints[id];
        }

        /** Drops (or, with false, again delivers) everything arriving at endpoint {@code id} on {@code path}. */
        public synchronized void cutInbound(final int id, final int path, final boolean cut) {
            cutInbound[id][path] = cut;
        }

        /** Delivers raw {@code bytes} on {@code path} to every endpoint but {@code fromId} (-1: to all). */
        public synchronized void inject(final int fromId, final int path, final byte[] bytes) {
            final long nowNs = System.nanoTime();
            for (int i = 0; i < endpoints.length; i++) {
                final InMemoryHeartbeatTransport e = endpoints[i];
                if (i != fromId && e != null && !e.closed && !cutInbound[i][path]) {
                    e.inbox[path].add(new Datagram(bytes.clone(), nowNs));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private InMemoryHeartbeatTransport(final Hub hub, final int endpointId) {
        this.hub = Objects.requireNonNull(hub);
        this.endpointId = endpointId;
        this.stats = new HeartbeatStats(hub.paths);
        this.inbox = new ConcurrentLinkedQueue[hub.paths];
        for (int p = 0; p < hub.paths; p++) {
            inbox[p] = new ConcurrentLinkedQueue<>();
        }
    }

    @Override
    public int pathCount() {
        return hub.paths;
    }

    @Override
    public int send(final ByteBuffer frame) {
        if (closed) {
            return 0;
        }
        final byte[] bytes = new byte[frame.remaining()];
        frame.get(frame.position(), bytes);
        for (int p = 0; p < hub.paths; p++) {
            hub.inject(endpointId, p, bytes);
            stats.countSent(p);
        }
        return hub.paths;
    }

    @Override
    public int poll(final DatagramHandler handler) {
        int n = 0;
        for (int p = 0; p < hub.paths; p++) {
            Datagram d;
            while ((d = inbox[p].poll()) != null) {
                rxBuffer.clear();
                rxBuffer.put(0, d.bytes, 0, Math.min(d.bytes.length, rxBuffer.capacity()));
                rxBuffer.limit(Math.min(d.bytes.length, rxBuffer.capacity()));
                handler.onDatagram(p, rxBuffer, d.rxNs);
                n++;
            }
        }
        return n;
    }

    @Override
    public int[] fds() {
        return new int[0];
    }

    @Override
    public HeartbeatStats stats() {
        return stats;
    }

    /** Stops sending and receiving: the endpoint is gone, as after kill -9 of its agent. */
    @Override
    public void close() {
        closed = true;
        for (final ConcurrentLinkedQueue<Datagram> q : inbox) {
            q.clear();
        }
    }

    @Override
    public String toString() {
        return "InMemoryHeartbeatTransport[" + endpointId + ", paths=" + hub.paths + ", queued="
            + Arrays.stream(inbox).mapToInt(ConcurrentLinkedQueue::size).sum() + "]";
    }
}
