package armd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.MonitorConfig;
import armd.it.LoopDisk;
import armd.it.Netns;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The periodic monitors' steady state allocates nothing: a probe plus its threshold verdict ({@link
 * PeriodicMonitor#step}), measured with the JVM's per-thread allocation counter over rounds of probes after a
 * warm-up, for the ping monitor (to loopback) and the partition monitor (O_DIRECT on a loop device). TEST UNIT
 * READY is covered by the TurProbe benchmark (it needs a SCSI device).
 *
 * <p>Each measurement runs in a JVM of its own ({@link #main}): in a JVM where {@code step} has already run other
 * monitor types, C2 may inline less and then fails to scalar-replace the slice FFM makes of the errno capture
 * segment on every downcall (about 120 B per probe); a fresh JVM measures the probe, not the test order.
 */
class MonitorAllocationIT {
    /** Slack for the counter's own granularity (TLAB accounting), far below one allocation per probe. */
    private static final long SLACK_BYTES = 4096;

    @TempDir
    Path dir;

    /** Counts verdicts; a healthy resource gives none but one "normal again". */
    static final class Count implements Reporter {
        int failed;

        @Override
        public void failed(final MonitorConfig monitor, final String reason) {
            failed++;
        }

        @Override
        public void normalAgain(final MonitorConfig monitor) {
            // expected once
        }

        @Override
        public void unusable(final MonitorConfig monitor, final String reason) {
            throw new AssertionError(reason);
        }
    }

    /**
     * Child JVM: {@code ping ADDRESS} or {@code partition DEVICE}; prints "OK" when some round after the warm-up
     * allocated nothing, else the bytes of every round.
     */
    public static void main(final String[] args) {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final boolean ping = args[0].equals("ping");
        final Check check = ping ? new PingCheck(InetAddress.ofLiteral(args[1]), null, 1000)
            : new PartitionCheck(args[1], 8, 0);
        final MonitorConfig m = new MonitorConfig("m", 1, 0, 1000, 1000, 3, MonitorConfig.When.ONLINE,
            FailureAction.FAILOVER, Destination.PRIORITY, 500, ping
            ? new MonitorConfig.Ping(InetAddress.ofLiteral(args[1]), null) : new MonitorConfig.Partition(args[1], 8));
        final Count c = new Count();
        final PeriodicMonitor p = new PeriodicMonitor(m, check, c, false);
        final int perRound = ping ? 5_000 : 2_000;
        final StringBuilder rounds = new StringBuilder();
        long nowNs = 0;
        for (int round = 0; round < 10; round++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < perRound; i++) {
                nowNs += 1_000_000;
                p.step(nowNs);
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (c.failed > 0) {
                System.out.println("FAILED: the resource is not healthy");
                return;
            }
            if (round > 1 && allocated < SLACK_BYTES) {
                System.out.println("OK " + allocated + " B in round " + round + " of " + perRound + " probes");
                return;
            }
            rounds.append(' ').append(allocated).append(" B");
        }
        check.close();
        System.out.println("ALLOCATES" + rounds);
    }

    private static String child(final String... args) throws IOException, InterruptedException {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(),
            "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            MonitorAllocationIT.class.getName()));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the measuring JVM did not finish within 120 s");
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return out.lines().reduce((a, b) -> b).orElse("");
    }

    @Test
    void pingProbesAllocateNothing() throws Exception {
        Netns.assumeRoot();
        final String r = child("ping", "127.0.0.1");
        System.out.println("ping monitor steady state: " + r);
        assertEquals("OK", r.split(" ")[0], r);
    }

    @Test
    void partitionProbesAllocateNothing() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4)) {
            final String r = child("partition", disk.device());
            System.out.println("partition monitor steady state: " + r);
            assertEquals("OK", r.split(" ")[0], r);
        }
    }
}
