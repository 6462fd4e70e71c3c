package armd.monitor;

import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.MonitorConfig;
import armd.it.Netns;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A periodic monitor's steady state: one probe plus its threshold verdict ({@link PeriodicMonitor#step}), for the
 * ping monitor (ICMP echo to 127.0.0.1) and the partition monitor (O_DIRECT write and read back of one sector of a
 * loop device whose backing file is in /dev/shm: a probe of microseconds, so JMH's count of every thread's bytes
 * is not swamped by the JVM's own background allocation, as it is for a probe of milliseconds on a real disk).
 * Each runs in a fork of its own: where {@code step} has run another monitor type in the same JVM, C2 may inline
 * less and then allocates the slice FFM makes of the errno capture segment on every downcall
 * (benchmarks/RESULTS.md). In the package of the monitors: PeriodicMonitor and the checks are not public.
 * Needs root (raw ICMP socket, loop device).
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.openjdk.jmh.Main PeriodicMonitorBench -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PeriodicMonitorBench {
    @Param({"ping", "partition"})
    public String monitor;

    private Path backing;
    private String loop;
    private Check check;
    private PeriodicMonitor periodic;
    private final Count count = new Count();
    private long nowNs;

    /** Counts failures: a healthy resource gives none. */
    static final class Count implements Reporter {
        int failed;

        @Override
        public void failed(final MonitorConfig m, final String reason) {
            failed++;
        }

        @Override
        public void normalAgain(final MonitorConfig m) {
        }

        @Override
        public void unusable(final MonitorConfig m, final String reason) {
            throw new IllegalStateException(reason);
        }
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        final MonitorConfig.Target type;
        if (monitor.equals("ping")) {
            final InetAddress target = InetAddress.ofLiteral("127.0.0.1");
            check = new PingCheck(target, null, 1000);
            type = new MonitorConfig.Ping(target, null);
        } else {
            backing = Files.createTempFile(Path.of("/dev/shm"), "armd-bench-", ".img");
            Netns.run("truncate", "-s", "4M", backing.toString());
            loop = Netns.run("losetup", "--find", "--show", backing.toString()).strip();
            check = new PartitionCheck(loop, 8, 0);
            type = new MonitorConfig.Partition(loop, 8);
        }
        final MonitorConfig m = new MonitorConfig("m", 1, 0, 1000, 1000, 3, MonitorConfig.When.ONLINE,
            FailureAction.FAILOVER, Destination.PRIORITY, 500, type);
        periodic = new PeriodicMonitor(m, check, count, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        check.close();
        if (loop != null) {
            Netns.tryRun("losetup", "-d", loop);
        }
        if (backing != null) {
            Files.deleteIfExists(backing);
        }
        if (count.failed > 0) {
            throw new IllegalStateException(monitor + ": the resource failed " + count.failed + " times");
        }
    }

    @Benchmark
    public int probe() {
        nowNs += 1_000_000;
        periodic.step(nowNs);
        return count.failed;
    }
}
