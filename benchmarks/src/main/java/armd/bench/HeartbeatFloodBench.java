package armd.bench;

import armd.heartbeat.HeartbeatHandler;
import armd.heartbeat.HeartbeatInbox;
import armd.heartbeat.HeartbeatReceiver;
import armd.heartbeat.UdpHeartbeatTransport;
import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;
import armd.wire.HeartbeatFrame.Result;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
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
 * The receiving path under a forged-heartbeat flood, on loopback through the real stack, with the agent's
 * socket options (kernel filter, 4 MiB buffer): the cost of each kind of frame to the receiving thread, one
 * send plus the drain that disposes of it. {@code authentic}: a peer's frame, delivered (recvmsg, clock
 * mapping, checks, HMAC, replay windows). {@code forgedFromPeerAddress}: a bad MAC from the peer's own address
 * (the filter cannot tell): checks and an HMAC, then dropped. {@code replayedFromPeerAddress}: an old authentic
 * frame again: dropped before the HMAC. {@code foreignClusterFiltered}: another cluster's frame, dropped by the
 * kernel: the receiving thread only finds its socket empty. {@code authenticThroughTheInbox}: the agent's own
 * path, a frame taken by the reception thread ({@link HeartbeatInbox}, another transport, normal priority
 * here) and handed to the consumer through its queue. Every path must show 0 B/op with {@code -prof gc}.
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.openjdk.jmh.Main HeartbeatFloodBench -prof gc -jvmArgs --enable-native-access=ALL-UNNAMED}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeartbeatFloodBench {
    private static final byte[] KEY =
        "benchmark-cluster-key-0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int PAYLOAD = 120;

    private UdpHeartbeatTransport b;
    private UdpHeartbeatTransport c;
    private HeartbeatInbox inbox;
    private UdpSocket toInbox;
    private UdpSocket peer;
    private UdpSocket stranger;
    private HeartbeatReceiver receiver;
    private HeartbeatFrame codec;
    private HeartbeatFrame foreign;
    private final byte[] payload = new byte[PAYLOAD];
    private final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
    private final ByteBuffer frameBuffer = ByteBuffer.wrap(frame);
    private final byte[] old = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
    private final ByteBuffer oldBuffer = ByteBuffer.wrap(old);
    private int oldLength;
    private long sequence;
    private final Counter counter = new Counter();

    /** Counts deliveries; keeps the last receive time so the JIT cannot drop the work. */
    static final class Counter implements HeartbeatHandler {
        long frames;
        long lastRxNs;

        @Override
        public void onHeartbeat(final int pathIndex, final HeartbeatFrame f, final boolean fresh, final long rxNs) {
            frames++;
            lastRxNs = rxNs;
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
            probe.bind(inet("127.0.0.2"), 0);
            port = probe.localPort();
        }
        final int cluster = HeartbeatFrame.clusterId("bench");
        b = UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null, inet("127.0.0.2"), port,
                List.of(new UdpHeartbeatTransport.Peer(0, inet("127.0.0.1"))))),
            UdpHeartbeatTransport.Options.DEFAULT.withKernelFilter(cluster));
        receiver = new HeartbeatReceiver(b, KEY, cluster, 1, 2);
        final int inboxPort;
        try (UdpSocket probe = UdpSocket.open("port probe")) {
            probe.bind(inet("127.0.0.4"), 0);
            inboxPort = probe.localPort();
        }
        c = UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null, inet("127.0.0.4"),
                inboxPort, List.of(new UdpHeartbeatTransport.Peer(0, inet("127.0.0.1"))))),
            UdpHeartbeatTransport.Options.DEFAULT.withKernelFilter(cluster));
        inbox = new HeartbeatInbox(c, KEY, cluster, 1, 2, 0);
        inbox.start();
        toInbox = UdpSocket.open("to inbox");
        toInbox.bind(inet("127.0.0.1"), 0);
        toInbox.connect(inet("127.0.0.4"), inboxPort);
        codec = new HeartbeatFrame(KEY, cluster);
        foreign = new HeartbeatFrame(KEY, cluster ^ 0x0f0f0f0f);
        peer = UdpSocket.open("peer");
        peer.bind(inet("127.0.0.1"), 0);
        peer.connect(inet("127.0.0.2"), port);
        stranger = UdpSocket.open("stranger");
        stranger.bind(inet("127.0.0.3"), 0);
        stranger.connect(inet("127.0.0.2"), port);
        // one authentic frame accepted, kept to be replayed
        oldLength = codec.encode(old, 0, 1, 0, 0, 7, ++sequence, payload, 0, PAYLOAD);
        peer.send(oldBuffer, 0, oldLength);
        waitFor(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        inbox.close();
        c.close();
        toInbox.close();
        b.close();
        peer.close();
        stranger.close();
    }

    private void waitFor(final long frames) {
        for (int i = 0; i < 1_000_000 && counter.frames < frames; i++) {
            receiver.poll(counter);
        }
    }

    private long drainUntil(final Result r, final long count) {
        for (int i = 0; i < 1_000_000 && b.stats().count(r) < count; i++) {
            receiver.poll(counter);
        }
        return b.stats().count(r);
    }

    @Benchmark
    public long authentic() {
        final int n = codec.encode(frame, 0, 1, 0, 0, 7, ++sequence, payload, 0, PAYLOAD);
        peer.send(frameBuffer, 0, n);
        waitFor(counter.frames + 1);
        return counter.lastRxNs;
    }

    @Benchmark
    public long forgedFromPeerAddress() {
        final int n = codec.encode(frame, 0, 1, 0, 0, 7, ++sequence, payload, 0, PAYLOAD);
        frame[n - 1] ^= 0x5a;
        peer.send(frameBuffer, 0, n);
        return drainUntil(Result.BAD_MAC, b.stats().count(Result.BAD_MAC) + 1);
    }

    @Benchmark
    public long replayedFromPeerAddress() {
        peer.send(oldBuffer, 0, oldLength);
        return drainUntil(Result.REPLAY, b.stats().count(Result.REPLAY) + 1);
    }

    @Benchmark
    public long authenticThroughTheInbox() {
        final int n = codec.encode(frame, 0, 1, 0, 0, 7, ++sequence, payload, 0, PAYLOAD);
        toInbox.send(frameBuffer, 0, n);
        final long want = counter.frames + 1;
        for (int i = 0; i < 10_000_000 && counter.frames < want; i++) {
            inbox.drain(counter);
        }
        return counter.lastRxNs;
    }

    @Benchmark
    public int foreignClusterFiltered() {
        final int n = foreign.encode(frame, 0, 1, 0, 0, 7, ++sequence, payload, 0, PAYLOAD);
        stranger.send(frameBuffer, 0, n);
        return receiver.poll(counter);
    }
}
