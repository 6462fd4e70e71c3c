package armd.bench;

import armd.it.Netns;
import armd.probe.ArpProbe;
import armd.probe.ConflictResult;
import armd.probe.ProbeOutcome;
import armd.sys.NetNamespace;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The ARP probe round trip when the address's holder answers: one RFC 5227 probe over veth, the peer
 * namespace's kernel replies, {@link ArpProbe} reports the conflict. This is how fast a conflict is seen
 * (the "free" verdict always takes the configured schedule, 140 ms by default, so it is not benchmarked).
 * "Good": tens of microseconds, 0 B/op under {@code -prof gc}.
 *
 * <p>Root only. {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.openjdk.jmh.Main ArpProbeBench -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ArpProbeBench {
    private static final int HELD = 0xc0000202; // 192.0.2.2, held by namespace b

    private Netns net;
    private ArpProbe probe;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        net = new Netns("barp");
        final String a = net.namespace("a");
        final String b = net.namespace("b");
        net.veth(a, "eth0", b, "eth0");
        net.address(b, "eth0", "192.0.2.2/24");
        probe = NetNamespace.call(a, () -> ArpProbe.open("eth0"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (probe != null) {
            probe.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Benchmark
    public long probeAnsweredByHolder() {
        final ConflictResult r = probe.probe(HELD, 1, 0, 1000);
        if (r.outcome() != ProbeOutcome.FAULT) {
            throw new IllegalStateException("the holder did not answer: " + r.reason());
        }
        return r.conflictMac();
    }
}
