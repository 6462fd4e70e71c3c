package armd.bench;

import armd.probe.TurProbe;
import armd.probe.TurResult;
import armd.sys.scsi.SgIo;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of one TEST UNIT READY probe on the SG_IO error path (a device without SG_IO answers ENOTTY at
 * once, so this measures armd's own overhead: FFM downcall, errno capture, classification), and the bare
 * ioctl. Good: about a microsecond and 0 B/op under {@code -prof gc} (the probe allocates nothing).
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) org.openjdk.jmh.Main TurBench \
 *     -prof gc -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TurBench {
    /** Any device without SG_IO: /dev/null answers ENOTTY; a loop device would answer EINVAL. */
    @Param("/dev/null")
    public String device;

    private TurProbe probe;
    private SgIo sg;

    @Setup
    public void open() {
        probe = TurProbe.open(device, 1000);
        sg = SgIo.open(device);
    }

    @TearDown
    public void close() {
        probe.close();
        sg.close();
    }

    /** A whole probe: SG_IO, errno classification, the reused result. */
    @Benchmark
    public long probe() {
        final TurResult r = probe.probe();
        return r.latencyNs() + r.errno();
    }

    /** The ioctl alone: header fill, downcall, errno capture. */
    @Benchmark
    public int sgIoIoctl() {
        return sg.testUnitReady(1000);
    }
}
