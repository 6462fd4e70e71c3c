package armd.bench;

import armd.cluster.ClusterNode;
import armd.cluster.PeerSnapshot;
import armd.cluster.StatePayload;
import armd.sim.Sim;
import armd.sim.SimConfigs;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The state machine's share of one heartbeat in steady state (a settled cluster, every group online): the
 * sender's snapshot and payload encoding, the receiver's decoding, {@code onHeartbeat} and {@code tick}.
 * Run with {@code -prof gc}: the steady state must allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ClusterNodeBench {
    @Param({"2", "16"})
    int servers;

    private ClusterNode sender;
    private ClusterNode receiver;
    private final PeerSnapshot out = new PeerSnapshot();
    private final PeerSnapshot in = new PeerSnapshot();
    private final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
    private long nowNs;

    @Setup
    public void setup() {
        final Sim sim = new Sim(SimConfigs.guide(servers, false), 1);
        sim.bootAll();
        sim.runMs(5_000);
        sender = sim.node(0);
        receiver = sim.node(1);
        nowNs = sim.nowNs();
    }

    @Benchmark
    public int heartbeatThroughTheStateMachine() {
        nowNs += 1_000_000L;
        sender.snapshot(out);
        buf.clear();
        final int len = StatePayload.encode(out, buf);
        buf.flip();
        StatePayload.decode(buf, len, in);
        in.header(0, 1);
        receiver.onHeartbeat(in, 0, nowNs);
        receiver.tick(nowNs);
        return len;
    }
}
