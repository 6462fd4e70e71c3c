package armd.bench;

import armd.heartbeat.DiskHeartbeat;
import armd.wire.DiskBeat;
import armd.wire.HeartbeatFrame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * One disk heartbeat cycle: encode the beat with HMAC-SHA256, write this server's sector with O_DIRECT|O_DSYNC,
 * read every server's sector back with O_DIRECT and decode it (the peers' sectors hold authentic beats, so each
 * read verifies a MAC), for 2 and 16 servers; and the codec alone. The device is {@code device}: a file in a
 * fresh temporary directory by default (the local file system's O_DIRECT path), or a block device given with
 * {@code -p device=/dev/loopN} (root; its first 17 sectors are overwritten). Good: 0 B/op under
 * {@code -prof gc}, and a cycle dominated by the I/O.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) org.openjdk.jmh.Main \
 *     DiskHeartbeatBench -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s -jvmArgs --enable-native-access=ALL-UNNAMED
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DiskHeartbeatBench {
    @Param({"2", "16"})
    public int servers;

    /** Empty: a file in a temporary directory. */
    @Param("")
    public String device;

    private Path dir;
    private DiskHeartbeat self;
    private final byte[] key = new byte[32];
    private final byte[] sector = new byte[512];
    private DiskBeat codec;
    private long sequence;

    /** Counts what the cycle reports, so nothing is optimised away. */
    private static final class Sink implements DiskHeartbeat.Listener {
        long beats;

        @Override
        public void onDiskBeat(final int peer, final long incarnation, final int serverState, final long heldGroups,
                               final long readNs) {
            beats += heldGroups;
        }

        @Override
        public void onDiskPath(final boolean working, final String reason, final long nowNs) {
            if (!working) {
                throw new IllegalStateException(reason);
            }
        }
    }

    @Setup
    public void setup() throws IOException {
        String path = device;
        if (path.isEmpty()) {
            dir = Files.createTempDirectory("armd-diskbench");
            final Path file = dir.resolve("partition");
            Files.write(file, new byte[1 << 20]);
            path = file.toString();
        }
        final int cluster = HeartbeatFrame.clusterId("bench");
        // every peer writes one authentic beat once, so this server's reads decode and verify real beats
        for (int i = 1; i < servers; i++) {
            try (DiskHeartbeat peer = new DiskHeartbeat(path, 0, i, servers, key, cluster, 7, 1_000_000L,
                10_000_000_000L, new Sink())) {
                peer.publish(1, i);
                peer.cycle();
            }
        }
        self = new DiskHeartbeat(path, 0, 0, servers, key, cluster, 9, 1_000_000L, 10_000_000_000L, new Sink());
        self.publish(1, 3);
        codec = new DiskBeat(key, cluster);
    }

    @TearDown
    public void tearDown() throws IOException {
        self.close();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("partition"));
            Files.deleteIfExists(dir);
        }
    }

    /** A whole cycle: encode + write + (servers) reads + decodes. */
    @Benchmark
    public long cycle() {
        return self.cycle();
    }

    /** The codec alone: encode a sector and decode it (two HMAC-SHA256 over 36 bytes). */
    @Benchmark
    public int encodeAndDecode() {
        codec.encode(sector, 0, sector.length, 0, 1, 0, 9, ++sequence, 5);
        return codec.decode(sector, 0, 0).ordinal();
    }
}
