package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

/**
 * The reception thread and its queue, on loopback: authentic frames reach the consumer in order with their
 * kernel receive times and garbage never does; with nothing left to receive, silence may be judged up to now;
 * a consumer that leaves the queue full loses frames (counted) and is never told reception got past them.
 */
class HeartbeatInboxTest {
    private static final byte[] KEY = new byte[32];
    private static final int CLUSTER = HeartbeatFrame.clusterId("inbox");

    private record Setup(UdpHeartbeatTransport transport, UdpSocket peer, HeartbeatFrame codec) {
    }

    private static Setup setup() {
        final int port;
        try (UdpSocket probe = UdpSocket.open("port probe")) {
            probe.bind(UdpWorld.inet("127.0.0.2"), 0);
            port = probe.localPort();
        }
        final UdpHeartbeatTransport t = UdpHeartbeatTransport.open(List.of(UdpHeartbeatTransport.Path.unicast(null,
                UdpWorld.inet("127.0.0.2"), port, List.of(new UdpHeartbeatTransport.Peer(0,
                    UdpWorld.inet("127.0.0.1"))))), UdpHeartbeatTransport.Options.DEFAULT.withKernelFilter(CLUSTER));
        final UdpSocket peer = UdpSocket.open("peer");
        peer.bind(UdpWorld.inet("127.0.0.1"), 0);
        peer.connect(UdpWorld.inet("127.0.0.2"), port);
        return new Setup(t, peer, new HeartbeatFrame(KEY, CLUSTER));
    }

    private static void send(final Setup s, final long seq, final boolean forged) {
        final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
        final byte[] payload = new byte[24];
        payload[0] = (byte) seq;
        final int n = s.codec().encode(frame, 0, 1, 0, 0, 5, seq, payload, 0, payload.length);
        if (forged) {
            frame[n - 1] ^= 1;
        }
        assertEquals(n, s.peer().send(ByteBuffer.wrap(frame), 0, n));
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(what + " within 20 s");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void authenticFramesComeThroughInOrderAndGarbageNever() throws Exception {
        final Setup s = setup();
        try (HeartbeatInbox inbox = new HeartbeatInbox(s.transport(), KEY, CLUSTER, 1, 2, 0)) {
            inbox.start();
            for (int i = 1; i <= 50; i++) {
                send(s, 2L * i, false);
                send(s, 2L * i + 1, true);
            }
            final List<Long> seqs = new ArrayList<>();
            final List<Long> times = new ArrayList<>();
            final HeartbeatHandler h = (p, f, fresh, rxNs) -> {
                seqs.add(f.sequence());
                times.add(rxNs);
                assertEquals(0, f.senderId());
                assertEquals(24, f.payloadLength());
                assertEquals((byte) f.sequence(), f.buffer()[f.payloadOffset()]);
            };
            await(() -> {
                inbox.drain(h);
                return seqs.size() >= 50 && inbox.stats().count(HeartbeatFrame.Result.BAD_MAC) >= 50;
            }, "50 authentic frames and 50 forged ones dropped");
            for (int i = 0; i < 50; i++) {
                assertEquals(2L * (i + 1), seqs.get(i));
                assertTrue(i == 0 || times.get(i) >= times.get(i - 1));
            }
            assertEquals(50, inbox.stats().count(HeartbeatFrame.Result.BAD_MAC));
            // nothing more to receive: the reception thread sleeps, silence may be judged up to now
            await(() -> {
                inbox.drain(h);
                return inbox.drainedThroughNs() == Long.MAX_VALUE;
            }, "reception idle");
            assertEquals(0, inbox.overflows());
        } finally {
            s.transport().close();
            s.peer().close();
        }
    }

    @Test
    void aFullQueueDropsFramesAndReceptionIsNotTakenPastThem() throws Exception {
        final Setup s = setup();
        try (HeartbeatInbox inbox = new HeartbeatInbox(s.transport(), KEY, CLUSTER, 1, 2, 0)) {
            inbox.start();
            final int sent = HeartbeatInbox.CAPACITY + 200;
            for (int i = 1; i <= sent; i++) {
                send(s, i, false);
            }
            // the consumer does not drain: the queue fills, then frames are dropped
            await(() -> inbox.overflows() + HeartbeatInbox.CAPACITY >= sent, "the queue full and the rest dropped");
            final long[] last = new long[1];
            final int[] got = new int[1];
            inbox.drain((p, f, fresh, rxNs) -> {
                got[0]++;
                last[0] = rxNs;
            });
            assertEquals(HeartbeatInbox.CAPACITY, got[0]);
            assertEquals(sent - HeartbeatInbox.CAPACITY, inbox.overflows());
            // the queued frames were received before the first one dropped, which this drain must not pass
            assertTrue(inbox.drainedThroughNs() >= last[0] - 1 && inbox.drainedThroughNs() < Long.MAX_VALUE,
                "reception is judged no further than the first frame it dropped");
            send(s, sent + 1, false);
            await(() -> {
                inbox.drain((p, f, fresh, rxNs) -> got[0]++);
                return got[0] == HeartbeatInbox.CAPACITY + 1;
            }, "a frame after the consumer caught up");
        } finally {
            s.transport().close();
            s.peer().close();
        }
    }
}
