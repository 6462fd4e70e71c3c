package armd.monitor;

import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.MonitorConfig;
import armd.it.LoopDisk;

import java.net.InetAddress;
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
 * loop device). Each runs in a fork of its own: where {@code step} has run another monitor type in the same JVM,
 * C2 may inline less and then allocates the slice FFM makes of the errno capture segment on every downcall
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

    private LoopDisk disk;
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
            disk = LoopDisk.blank(4);
            check = new PartitionCheck(disk.device(), 8, 0);
            type = new MonitorConfig.Partition(disk.device(), 8);
        }
        final MonitorConfig m = new MonitorConfig("m", 1, 0, 1000, 1000, 3, MonitorConfig.When.ONLINE,
            FailureAction.FAILOVER, Destination.PRIORITY, 500, type);
        periodic = new PeriodicMonitor(m, check, count, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        check.close();
        if (disk != null) {
            disk.close();
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
