package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A drain cut off at its bound says how far it got: {@link UdpHeartbeatTransport#drainedThroughNs()} is the
 * kernel receive time of the last frame handed over, not the time of the poll, so the agent judges silence
 * only as far as it has read; a drain that empties the socket says the time it started. On loopback.
 */
class HeartbeatDrainTest {
    private static final byte[] KEY = new byte[32];

    @Test
    void aDrainCutOffAtItsBoundReportsTheLastFrameItHandedOver() {
        final int port;
        try (UdpSocket probe = UdpSocket.open("port probe")) {
            probe.bind(UdpWorld.inet("127.0.0.2"), 0);
            port = probe.localPort();
        }
        final int cluster = HeartbeatFrame.clusterId("drain");
        try (UdpHeartbeatTransport b = UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null,
                UdpWorld.inet("127.0.0.2"), port, List.of(new UdpHeartbeatTransport.Peer(0,
                    UdpWorld.inet("127.0.0.1"))))), UdpHeartbeatTransport.Options.DEFAULT.withKernelFilter(cluster));
             UdpSocket peer = UdpSocket.open("peer")) {
            peer.bind(UdpWorld.inet("127.0.0.1"), 0);
            peer.connect(UdpWorld.inet("127.0.0.2"), port);
            final HeartbeatFrame codec = new HeartbeatFrame(KEY, cluster);
            final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
            final int frames = UdpHeartbeatTransport.MAX_DRAIN_PER_PATH + 100;
            for (int i = 1; i <= frames; i++) {
                final int n = codec.encode(frame, 0, 1, 0, 0, 3, i, new byte[16], 0, 16);
                assertEquals(n, peer.send(ByteBuffer.wrap(frame), 0, n));
            }
            final HeartbeatReceiver receiver = new HeartbeatReceiver(b, KEY, cluster, 1, 2);
            final long[] last = new long[1];
            final int[] got = new int[1];
            final HeartbeatHandler h = (p, f, fresh, rxNs) -> {
                got[0]++;
                last[0] = rxNs;
            };
            final long before = System.nanoTime();
            receiver.poll(h);
            assertEquals(UdpHeartbeatTransport.MAX_DRAIN_PER_PATH, got[0]);
            assertEquals(last[0], receiver.drainedThroughNs(), "cut off: as far as the last frame handed over");
            assertTrue(receiver.drainedThroughNs() <= before);
            receiver.poll(h);
            assertEquals(frames, got[0]);
            final long after = receiver.drainedThroughNs();
            assertTrue(after >= last[0] && after <= System.nanoTime(), "emptied: the start of the drain");
        }
    }
}
