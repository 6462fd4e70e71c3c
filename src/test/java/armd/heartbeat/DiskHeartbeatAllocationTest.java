package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.HeartbeatFrame;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk heartbeat cycle (encode, O_DIRECT write, read of every sector, decode, report) allocates nothing in
 * steady state: two heartbeats that were never started, cycled on this thread against a file (O_DIRECT works on
 * a regular file of a local file system; no root needed), measured with the JVM's per-thread allocation counter.
 */
class DiskHeartbeatAllocationTest {
    private static final long SLACK_BYTES = 4096;
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    static final class Count implements DiskHeartbeat.Listener {
        long beats;
        long pathChanges;

        @Override
        public void onDiskBeat(final int peer, final long incarnation, final int serverState, final long heldGroups,
                               final long readNs) {
            beats++;
        }

        @Override
        public void onDiskPath(final boolean working, final String reason, final long nowNs) {
            pathChanges++;
        }
    }

    @Test
    void aCycleAllocatesNothingInSteadyState() throws Exception {
        final Path file = dir.resolve("partition");
        Files.write(file, new byte[1 << 20]); // allocated, not sparse: no block allocation on the write path
        final byte[] key = new byte[32];
        final int cluster = HeartbeatFrame.clusterId("alloc");
        final Count c0 = new Count();
        final Count c1 = new Count();
        try (DiskHeartbeat s0 = new DiskHeartbeat(file.toString(), 4, 0, 2, key, cluster, 10, 1_000_000L,
                60_000_000_000L, c0);
             DiskHeartbeat s1 = new DiskHeartbeat(file.toString(), 4, 1, 2, key, cluster, 20, 1_000_000L,
                 60_000_000_000L, c1)) {
            s0.publish(1, 5);
            s1.publish(1, 6);
            final StringBuilder rounds = new StringBuilder();
            for (int round = 0; round < 8; round++) {
                final long beatsBefore = c0.beats;
                final long before = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 500; i++) {
                    s0.cycle();
                    s1.cycle();
                }
                final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertTrue(c0.beats - beatsBefore >= 499 && c1.beats > 0, "every cycle sees the other's beat");
                if (round > 0 && allocated < SLACK_BYTES) {
                    assertTrue(s0.working() && s1.working());
                    return;
                }
                rounds.append(' ').append(allocated).append(" B");
            }
            throw new AssertionError("no round of 500 cycles without allocation:" + rounds);
        }
    }
}
