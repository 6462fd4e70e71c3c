package armd.bench;

import armd.heartbeat.HeartbeatHandler;
import armd.heartbeat.HeartbeatReceiver;
import armd.heartbeat.HeartbeatSender;
import armd.heartbeat.UdpHeartbeatTransport;
import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
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
 * The agent's side of the heartbeat sender on loopback: publish a new payload (the agent thread's copy into the
 * sender's triple buffer), the sender thread takes it, encodes, MACs and sends it, and the receiving transport
 * drains until a frame carrying it is delivered. {@code -prof gc} counts every thread of the JVM (JMH reads the
 * JVM's total allocated bytes), so 0 B/op means the publishing thread, the sender thread and the receiver all
 * allocate nothing per heartbeat.
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.openjdk.jmh.Main HeartbeatSenderBench -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeartbeatSenderBench {
    private static final byte[] KEY =
        "benchmark-cluster-key-0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private UdpHeartbeatTransport a;
    private UdpHeartbeatTransport b;
    private HeartbeatSender sender;
    private HeartbeatReceiver receiver;
    private final byte[] payload = new byte[64];
    private final Latest latest = new Latest();
    private int round;

    /** The first payload byte of the last frame delivered. */
    static final class Latest implements HeartbeatHandler {
        int firstByte = -1;

        @Override
        public void onHeartbeat(final int pathIndex, final HeartbeatFrame f, final boolean fresh, final long rxNs) {
            firstByte = f.buffer()[f.payloadOffset()] & 0xff;
        }
    }

    private static Inet4Address inet(final String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        final int port;
        try (UdpSocket probe = UdpSocket.open("port probe")) {
            probe.bind(inet("127.0.0.1"), 0);
            port = probe.localPort();
        }
        final int cluster = HeartbeatFrame.clusterId("bench");
        a = UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null, inet("127.0.0.1"), port,
            List.of(new UdpHeartbeatTransport.Peer(1, inet("127.0.0.2"))))), UdpHeartbeatTransport.Options.DEFAULT);
        b = UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null, inet("127.0.0.2"), port,
            List.of(new UdpHeartbeatTransport.Peer(0, inet("127.0.0.1"))))), UdpHeartbeatTransport.Options.DEFAULT);
        receiver = new HeartbeatReceiver(b, KEY, cluster, 1, 2);
        // a 10 ms interval, as the agent's default: nearly every frame measured is the one the publish sent at once
        sender = new HeartbeatSender(a, KEY, cluster, 0, 1, 10_000_000L, 0);
        sender.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sender.close();
        a.close();
        b.close();
    }

    @Benchmark
    public int publishSendAndReceive() {
        round = (round + 1) & 0xff;
        payload[0] = (byte) round;
        sender.publish(1, 0, payload, 0, payload.length);
        for (int i = 0; i < 10_000_000 && latest.firstByte != round; i++) {
            receiver.poll(latest);
        }
        return latest.firstByte;
    }
}
