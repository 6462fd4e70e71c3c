package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;

import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/**
 * The heartbeat path allocates nothing in steady state: measured with the JVM's per-thread allocation counter
 * around many rounds on loopback (after a warm-up), for the polling thread and for the sender thread.
 */
class HeartbeatAllocationTest {
    private static final byte[] KEY = "allocation-test-cluster-key-0123".getBytes(StandardCharsets.US_ASCII);
    private static final int CLUSTER = HeartbeatFrame.clusterId("alloc");
    /** Slack for the counter's own granularity (TLAB accounting), far below one allocation per round. */
    private static final long SLACK_BYTES = 4096;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static final class Count implements HeartbeatHandler {
        long frames;

        @Override
        public void onHeartbeat(final int pathIndex, final HeartbeatFrame f, final boolean fresh, final long rxNs) {
            frames++;
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

    private static void drain(final HeartbeatReceiver r, final Count c, final long want) {
        for (int i = 0; i < 1_000_000 && c.frames < want; i++) {
            r.poll(c);
        }
    }

    @Test
    void encodeSendReceiveVerifyAllocatesNothing() throws Exception {
        final int port = freePort();
        try (UdpHeartbeatTransport a = endpoint("127.0.0.1", "127.0.0.2", 1, port);
             UdpHeartbeatTransport b = endpoint("127.0.0.2", "127.0.0.1", 0, port)) {
            final HeartbeatReceiver r = new HeartbeatReceiver(b, KEY, CLUSTER, 1, 2);
            final HeartbeatFrame codec = new HeartbeatFrame(KEY, CLUSTER);
            final byte[] payload = new byte[200];
            final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
            final ByteBuffer buf = ByteBuffer.wrap(frame);
            final Count c = new Count();
            long seq = 0;
            final StringBuilder rounds = new StringBuilder();
            for (int round = 0; round < 8; round++) {
                final long before = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    final int n = codec.encode(frame, 0, 1, 0, 0, 5, ++seq, payload, 0, payload.length);
                    buf.limit(n).position(0);
                    a.send(buf);
                    drain(r, c, seq);
                }
                final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertEquals(seq, c.frames, "every frame delivered");
                if (round > 0 && allocated < SLACK_BYTES) {
                    return;
                }
                rounds.append(' ').append(allocated).append(" B");
            }
            throw new AssertionError("no round of 10000 frames without allocation:" + rounds);
        }
    }

    @Test
    void theSenderThreadAllocatesNothingWhilePublishingAndSending() throws Exception {
        final int port = freePort();
        try (UdpHeartbeatTransport a = endpoint("127.0.0.1", "127.0.0.2", 1, port);
             UdpHeartbeatTransport b = endpoint("127.0.0.2", "127.0.0.1", 0, port);
             HeartbeatSender s = new HeartbeatSender(a, KEY, CLUSTER, 0, 9, 1_000_000L, 0)) {
            final HeartbeatReceiver r = new HeartbeatReceiver(b, KEY, CLUSTER, 1, 2);
            final Count c = new Count();
            s.start();
            final long senderId = senderThread().threadId();
            final byte[] payload = new byte[100];
            // steady state: some round after the warm-up (class loading, JIT, thread-locals) allocates nothing;
            // a few rounds are allowed because the JIT compiles in the background on a busy machine
            final StringBuilder rounds = new StringBuilder();
            for (int round = 0; round < 8; round++) {
                final long senderBefore = THREADS.getThreadAllocatedBytes(senderId);
                final long pollerBefore = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 5_000; i++) {
                    payload[0] = (byte) i;
                    s.publish(1, 0, payload, 0, payload.length);
                    drain(r, c, c.frames + 1);
                    LockSupport.parkNanos(20_000);
                }
                final long poller = THREADS.getCurrentThreadAllocatedBytes() - pollerBefore;
                final long sender = THREADS.getThreadAllocatedBytes(senderId) - senderBefore;
                if (round > 0 && sender < SLACK_BYTES && poller < SLACK_BYTES) {
                    return;
                }
                rounds.append(" [sender ").append(sender).append(" B, publisher/poller ").append(poller)
                    .append(" B]");
            }
            throw new AssertionError("no round of 5000 publishes without allocation:" + rounds);
        }
    }

    private static Thread senderThread() {
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("armd-heartbeat-sender")) {
                return t;
            }
        }
        throw new AssertionError("no sender thread");
    }
}
