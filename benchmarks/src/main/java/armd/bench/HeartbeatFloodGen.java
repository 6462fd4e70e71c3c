package armd.bench;

import armd.wire.HeartbeatFrame;

import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends forged heartbeat frames at a fixed rate, for the flood measurements (run inside a network namespace of
 * the test cluster, as its own process). Kinds: {@code bad-mac} (the right magic, version and cluster id, a
 * known sender, a new sequence each time, a MAC that does not verify: only the MAC check can drop it),
 * {@code foreign} (another cluster's id), {@code garbage} (random bytes). The frames go to DESTINATION:PORT
 * (a multicast group, sent on INTERFACE, or a unicast address), paced in bursts every millisecond.
 *
 * <p>Usage: {@code HeartbeatFloodGen KIND CLUSTER-NAME DESTINATION PORT RATE SECONDS [INTERFACE [SOURCE]]};
 * SOURCE binds the sending socket to that address (a peer's, put on the flooder's interface: a spoofed source).
 * Prints the number of frames sent.
 */
public final class HeartbeatFloodGen {
    private HeartbeatFloodGen() {
    }

    public static void main(final String[] args) throws Exception {
        final String kind = args[0];
        final int clusterId = HeartbeatFrame.clusterId(args[1]) ^ (kind.equals("foreign") ? 0x5a5a5a5a : 0);
        final InetSocketAddress to = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        final int rate = Integer.parseInt(args[4]);
        final long endNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(Integer.parseInt(args[5]));
        final Random random = new Random(7);
        // a frame like a two-server cluster's heartbeat: 120 bytes of payload
        final int payload = 120;
        final byte[] frame = new byte[HeartbeatFrame.frameLength(payload)];
        final byte[] key = new byte[32];
        random.nextBytes(key);
        final byte[] body = new byte[payload];
        new HeartbeatFrame(key, clusterId).encode(frame, 0, 1, 0, 1, 1L, 1L, body, 0, payload);
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            if (args.length > 6) {
                ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterface.getByName(args[6]));
                ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            }
            if (args.length > 7) {
                ch.bind(new InetSocketAddress(args[7], 0));
            }
            ch.connect(to);
            final ByteBuffer buf = ByteBuffer.wrap(frame);
            final int perMs = Math.max(1, rate / 1000);
            long sent = 0;
            long nextNs = System.nanoTime();
            long seq = 1;
            while (System.nanoTime() - endNs < 0) {
                for (int i = 0; i < perMs; i++) {
                    if (kind.equals("garbage")) {
                        random.nextBytes(frame);
                    } else {
                        // a new sequence and a new (wrong) MAC every frame: nothing to recognise cheaply
                        seq++;
                        for (int b = 0; b < 8; b++) {
                            frame[20 + b] = (byte) (seq >>> (56 - 8 * b));
                        }
                        frame[5] = (byte) (seq & 1); // claims server1 and server2 in turn
                        frame[frame.length - 1] = (byte) seq;
                        frame[frame.length - 2] = (byte) (seq >>> 8);
                    }
                    buf.clear();
                    try {
                        ch.write(buf);
                        sent++;
                    } catch (java.io.IOException e) {
                        // ECONNREFUSED from an earlier datagram (unicast to a closed port): go on
                    }
                }
                nextNs += 1_000_000L;
                final long wait = nextNs - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            System.out.println("sent " + sent);
        }
    }
}
