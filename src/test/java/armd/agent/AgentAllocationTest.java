package armd.agent;

import armd.base.AgentLog;
import armd.action.ScriptLauncher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.NodeMemory;
import armd.cluster.StatePayload;
import armd.config.ClusterConfig;
import armd.sim.SimConfigs;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The agent's own heartbeat path (drain, decode, the state machine's onHeartbeat and tick, encode, compare,
 * poll) allocates nothing in steady state: two real {@link ClusterAgent}s on their own threads, joined by an
 * in-memory link that delivers the peer's latest payload on every drain, measured with the JVM's per-thread
 * allocation counter once every group is online and the loop is compiled (the link keeps the agent's poll
 * readable, so the loop runs hot for the few seconds of the test). The UDP transport has its own test,
 * HeartbeatAllocationTest.
 */
class AgentAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Slack for the counter's TLAB granularity: far below one allocation per heartbeat. */
    private static final long SLACK_BYTES = 4096;

    /** One direction of an in-memory link: the latest payload published, copied without allocating. */
    private static final class Slot {
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

    private static final class MemoryLink implements HeartbeatLink {
        private final Slot mine;
        private final Slot theirs;
        private final int peer;
        private final ByteBuffer in = ByteBuffer.allocate(StatePayload.MAX_SIZE);
        /** Signalled and never drained: the agent's poll returns at once, so its loop runs hot and gets compiled. */
        private final armd.sys.EventFd ready = new armd.sys.EventFd();
        volatile long drains;

        MemoryLink(final Slot mine, final Slot theirs, final int peer) {
            this.mine = mine;
            this.theirs = theirs;
            this.peer = peer;
            ready.signal();
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
            return new armd.heartbeat.HeartbeatStats(1);
        }

        @Override
        public void close() {
            ready.close();
        }
    }

    private static final class Memory implements MemoryStore {
        private final int groups;

        Memory(final int groups) {
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

    @Test
    void theAgentThreadAllocatesNothingPerHeartbeat() throws Exception {
        final ClusterConfig config = SimConfigs.guide(2, false);
        final Slot a = new Slot();
        final Slot b = new Slot();
        final MemoryLink la = new MemoryLink(a, b, 1);
        final MemoryLink lb = new MemoryLink(b, a, 0);
        final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        final ScriptLauncher instant = (run, done) -> done.accept(true);
        try (ClusterAgent s1 = new ClusterAgent(config, 0, 1, la, instant, new Memory(3), new AgentLog("s1", quiet));
             ClusterAgent s2 = new ClusterAgent(config, 1, 1, lb, instant, new Memory(3), new AgentLog("s2", quiet))) {
            final Thread t1 = Thread.ofPlatform().name("agent-s1").start(s1::run);
            final Thread t2 = Thread.ofPlatform().name("agent-s2").start(s2::run);
            try {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!s1.status(false).get(10, TimeUnit.SECONDS).matches("(?s).*A +online +on server1.*"
                    + "B +online +on server2.*C +online +on server1.*")) {
                    assertTrue(System.nanoTime() < deadline, "groups online within 30 s: " + s1.status(false).get());
                    Thread.sleep(20);
                }
                // warm-up: let the JIT compile the loop (its steady state is compiled code)
                for (int i = 0; i < 3000 && la.drains < 300_000; i++) {
                    Thread.sleep(10);
                }
                final StringBuilder rounds = new StringBuilder();
                for (int round = 0; round < 10; round++) {
                    final long before = THREADS.getThreadAllocatedBytes(t1.threadId());
                    final long drains = la.drains;
                    for (int i = 0; i < 1000 && la.drains < drains + 20_000; i++) {
                        Thread.sleep(5);
                    }
                    final long allocated = THREADS.getThreadAllocatedBytes(t1.threadId()) - before;
                    final long n = la.drains - drains;
                    assertTrue(n >= 20_000, "the agent loop ran " + n + " times");
                    if (allocated < SLACK_BYTES) {
                        return;
                    }
                    rounds.append(' ').append(allocated).append(" B/").append(n);
                }
                throw new AssertionError("no round of 20000 heartbeats without allocation:" + rounds);
            } finally {
                s1.stop();
                s2.stop();
                t1.join(5_000);
                t2.join(5_000);
            }
        }
    }
}
