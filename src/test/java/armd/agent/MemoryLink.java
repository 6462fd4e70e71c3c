package armd.agent;

import armd.cluster.NodeMemory;
import armd.cluster.StatePayload;
import armd.sys.EventFd;

import java.nio.ByteBuffer;

/**
 * Test fixture: one direction of an in-memory heartbeat link between two {@link ClusterAgent}s. Every drain
 * delivers the peer's latest payload, received "now", and the link's descriptor stays readable, so the agent's
 * loop runs hot; {@link #drains} counts its iterations. Copies without allocating (for AgentLoopBench).
 */
public final class MemoryLink implements HeartbeatLink {
    private final Slot mine;
    private final Slot theirs;
    private final int peer;
    private final ByteBuffer in = ByteBuffer.allocate(StatePayload.MAX_SIZE);
    /** Signalled and never drained: the agent's poll returns at once. */
    private final EventFd ready = new EventFd();
    private final armd.heartbeat.HeartbeatStats stats = new armd.heartbeat.HeartbeatStats(1);
    /** Iterations of the agent's loop (one drain each). */
    public volatile long drains;

    /** The latest payload one agent published. */
    public static final class Slot {
        private final byte[] bytes = new byte[StatePayload.MAX_SIZE];
        private int length = -1;
        private long incarnation;

        synchronized void put(final ByteBuffer src, final long inc) {
            length = src.remaining();
            src.get(src.position(), bytes, 0, length);
            incarnation = inc;
        }

        synchronized int copyTo(final ByteBuffer dst) {
            if (length < 0) {
                return -1;
            }
            dst.clear();
            dst.put(bytes, 0, length).flip();
            return length;
        }
    }

    /** A state store that keeps nothing. */
    public static final class NoMemory implements MemoryStore {
        private final int groups;

        /** For a cluster of {@code groups} groups. */
        public NoMemory(final int groups) {
            this.groups = groups;
        }

        @Override
        public NodeMemory load() {
            return new NodeMemory(groups);
        }

        @Override
        public boolean save(final NodeMemory memory) {
            return true;
        }
    }

    /** The link of the agent that publishes into {@code mine} and hears server {@code peer} from {@code theirs}. */
    public MemoryLink(final Slot mine, final Slot theirs, final int peer) {
        this.mine = mine;
        this.theirs = theirs;
        this.peer = peer;
        ready.signal();
    }

    @Override
    public void incarnation(final long incarnation) {
    }

    @Override
    public void publish(final ByteBuffer payload) {
        mine.put(payload, 1);
    }

    @Override
    public int drain(final PayloadSink sink) {
        drains++;
        if (theirs.copyTo(in) < 0) {
            return 0;
        }
        sink.onPayload(peer, theirs.incarnation, 0, in, System.nanoTime());
        return 1;
    }

    @Override
    public int[] fds() {
        return new int[] {ready.fd()};
    }

    @Override
    public armd.heartbeat.HeartbeatStats stats() {
        return stats;
    }

    @Override
    public void close() {
        ready.close();
    }
}
