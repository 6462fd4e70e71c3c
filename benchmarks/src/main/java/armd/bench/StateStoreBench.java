package armd.bench;

import armd.state.StateStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long a durable state save takes (temp file, fsync, rename, directory fsync): the agent must not make its
 * heartbeat or decision thread wait for it. Dominated by the two fsyncs, so the figure is the disk's, not
 * armd's. Run: java -cp "$(cat target/test-classpath.txt):target/test-classes:target/classes"
 * org.openjdk.jmh.Main StateStoreBench. Good: well under the heartbeat timeout on the target's disk.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StateStoreBench {
    private Path dir;
    private StateStore store;
    private Map<String, String> state;

    /** A state of 16 groups, like a full cluster's. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "armd-bench");
        store = new StateStore(dir.resolve("state"));
        state = new HashMap<>();
        state.put("clean-shutdown", "false");
        for (int g = 0; g < 16; g++) {
            state.put("group." + g + ".last", "server2 FAILOVER OTHER 2 SUCCESS");
        }
    }

    /** Removes the temporary directory. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One durable save. */
    @Benchmark
    public void save() throws IOException {
        store.save(state);
    }

    /** One load (read, checksum, parse). */
    @Benchmark
    public Map<String, String> load() throws IOException {
        return store.load();
    }
}
