package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The heartbeat path on loopback, end to end: frames encoded and sent on one transport arrive verified, fresh and
 * in order on the other, and what is published to the sender thread is what the receiver gets. That the path
 * allocates nothing is measured with JMH's allocation profiler (HeartbeatLoopbackBench, HeartbeatSenderBench,
 * {@code -prof gc}; benchmarks/RESULTS.md), not here: allocation counts depend on the JIT, and a unit test must
 * pass on any machine, however loaded.
 */
class HeartbeatLoopbackTest {
    private static final byte[] KEY = "loopback-test-cluster-key-012345".getBytes(StandardCharsets.US_ASCII);
    private static final int CLUSTER = HeartbeatFrame.clusterId("loopback");
    private static final long WAIT_NS = 30_000_000_000L;

    /** What arrived: the count, whether every one was fresh, the last sequence and the last payload's first byte. */
    static final class Seen implements HeartbeatHandler {
        long frames;
        long stale;
        long lastSequence;
        int lastFirstByte = -1;

        @Override
        public void onHeartbeat(final int pathIndex, final HeartbeatFrame f, final boolean fresh, final long rxNs) {
            frames++;
            if (!fresh) {
                stale++;
            }
            lastSequence = f.sequence();
            lastFirstByte = f.payloadLength() > 0 ? f.buffer()[f.payloadOffset()] & 0xff : -1;
        }
    }

    private static Inet4Address inet(final String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    private static int freePort() throws Exception {
        try (UdpSocket probe = UdpSocket.open("port probe")) {
            probe.bind(inet("127.0.0.1"), 0);
            return probe.localPort();
        }
    }

    private static UdpHeartbeatTransport endpoint(final String self, final String peer, final int peerId,
                                                  final int port) throws Exception {
        return UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null, inet(self), port,
            List.of(new UdpHeartbeatTransport.Peer(peerId, inet(peer))))), UdpHeartbeatTransport.Options.DEFAULT);
    }

    /** Polls until {@code seen} has {@code want} frames or the bound passes. */
    private static void drain(final HeartbeatReceiver r, final Seen seen, final long want) {
        final long endNs = System.nanoTime() + WAIT_NS;
        while (seen.frames < want && System.nanoTime() - endNs < 0) {
            r.poll(seen);
        }
    }

    @Test
    void everyFrameSentArrivesVerifiedFreshAndInOrder() throws Exception {
        final int port = freePort();
        try (UdpHeartbeatTransport a = endpoint("127.0.0.1", "127.0.0.2", 1, port);
             UdpHeartbeatTransport b = endpoint("127.0.0.2", "127.0.0.1", 0, port)) {
            final HeartbeatReceiver r = new HeartbeatReceiver(b, KEY, CLUSTER, 1, 2);
            final HeartbeatFrame codec = new HeartbeatFrame(KEY, CLUSTER);
            final byte[] payload = new byte[200];
            final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
            final ByteBuffer buf = ByteBuffer.wrap(frame);
            final Seen seen = new Seen();
            for (long seq = 1; seq <= 2_000; seq++) {
                payload[0] = (byte) seq;
                final int n = codec.encode(frame, 0, 1, 0, 0, 5, seq, payload, 0, payload.length);
                buf.limit(n).position(0);
                a.send(buf);
                drain(r, seen, seq);
                assertEquals(seq, seen.frames, "frame " + seq + " delivered");
                assertEquals(seq, seen.lastSequence);
                assertEquals((int) (seq & 0xff), seen.lastFirstByte);
            }
            assertEquals(0, seen.stale, "every frame fresh");
        }
    }

    @Test
    void theSenderThreadSendsWhatIsPublished() throws Exception {
        final int port = freePort();
        try (UdpHeartbeatTransport a = endpoint("127.0.0.1", "127.0.0.2", 1, port);
             UdpHeartbeatTransport b = endpoint("127.0.0.2", "127.0.0.1", 0, port);
             HeartbeatSender s = new HeartbeatSender(a, KEY, CLUSTER, 0, 9, 1_000_000L, 0)) {
            final HeartbeatReceiver r = new HeartbeatReceiver(b, KEY, CLUSTER, 1, 2);
            final Seen seen = new Seen();
            s.start();
            final byte[] payload = new byte[100];
            for (int i = 1; i <= 200; i++) {
                payload[0] = (byte) i;
                s.publish(1, 0, payload, 0, payload.length);
                // the sender repeats the latest payload every interval: wait for a frame that carries it
                final long endNs = System.nanoTime() + WAIT_NS;
                while (seen.lastFirstByte != (i & 0xff) && System.nanoTime() - endNs < 0) {
                    r.poll(seen);
                }
                assertEquals(i & 0xff, seen.lastFirstByte, "publish " + i + " sent");
            }
            assertEquals(0, seen.stale, "every frame fresh");
            assertTrue(seen.frames >= 200, "frames " + seen.frames);
        }
    }
}
