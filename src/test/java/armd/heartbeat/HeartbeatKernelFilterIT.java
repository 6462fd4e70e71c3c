package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.it.Netns;
import armd.it.Tmpfs;
import armd.sys.NetNamespace;
import armd.sys.udp.UdpSocket;
import armd.wire.HeartbeatFrame;
import armd.wire.HeartbeatFrame.Result;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The kernel filter on a real heartbeat socket, multicast and unicast: a peer's authentic frames arrive, a
 * forged frame from the peer's address reaches the MAC check (and is counted BAD_MAC), and the kernel drops
 * (and counts) another cluster's frames, garbage, truncated frames, and anything from an address that is not a
 * peer's, even an authentic frame: none of those wakes the receiver or costs an HMAC. Root (namespaces).
 */
class HeartbeatKernelFilterIT {
    private static final int PORT = 9407;
    private static final String GROUP = "239.255.77.7";
    private static final byte[] KEY = new byte[32];
    private static final int CLUSTER = HeartbeatFrame.clusterId("filter-it");

    @Test
    void multicast() throws Exception {
        filtersWhatIsNotAPeersFrame(true);
    }

    @Test
    void unicast() throws Exception {
        filtersWhatIsNotAPeersFrame(false, false);
    }

    /** The IPv6 program: the same drops, the peer's address compared in all 16 bytes. */
    @Test
    void unicastIpv6() throws Exception {
        filtersWhatIsNotAPeersFrame(false, true);
    }

    private void filtersWhatIsNotAPeersFrame(final boolean multicast) throws Exception {
        filtersWhatIsNotAPeersFrame(multicast, false);
    }

    private void filtersWhatIsNotAPeersFrame(final boolean multicast, final boolean v6) throws Exception {
        Tmpfs.requireRoot("HeartbeatKernelFilterIT");
        ipv6 = v6;
        try (Netns net = new Netns(multicast ? "kfm" : v6 ? "kf6" : "kfu")) {
            final String sw = net.namespace("sw");
            net.bridge(sw, "br0");
            Netns.run("ip", "-n", sw, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0");
            final String[] ns = new String[3];
            for (int i = 0; i < 3; i++) {
                ns[i] = net.namespace("n" + i);
                net.veth(ns[i], "hb0", sw, "p" + i);
                net.attach(sw, "p" + i, "br0");
                if (v6) {
                    // nodad: the address is usable at once (the kernel's detection would hold it tentative)
                    net.exec(ns[i], "ip", "addr", "add", address(i).getHostAddress() + "/64", "dev", "hb0", "nodad");
                } else {
                    net.address(ns[i], "hb0", address(i).getHostAddress() + "/24");
                }
            }
            // node 0 receives; node 1 is its peer; node 2 is not in the cluster
            final UdpHeartbeatTransport.Path path = multicast
                ? UdpHeartbeatTransport.Path.multicast("hb0", address(0), inet(GROUP), PORT,
                    List.of(new UdpHeartbeatTransport.Peer(1, address(1))))
                : UdpHeartbeatTransport.Path.unicast("hb0", address(0), PORT,
                    List.of(new UdpHeartbeatTransport.Peer(1, address(1))));
            final UdpHeartbeatTransport rx;
            try (NetNamespace.Scope s = NetNamespace.enter(ns[0])) {
                rx = UdpHeartbeatTransport.open(List.of(path),
                    UdpHeartbeatTransport.Options.DEFAULT.withKernelFilter(CLUSTER));
            }
            try (rx) {
                final HeartbeatReceiver receiver = new HeartbeatReceiver(rx, KEY, CLUSTER, 0, 2);
                final HeartbeatFrame codec = new HeartbeatFrame(KEY, CLUSTER);
                final HeartbeatFrame foreign = new HeartbeatFrame(KEY, CLUSTER ^ 0x1234);
                long seq = 0;
                int kernelDrops = 0;
                for (int i = 0; i < 20; i++) {
                    send(ns[1], 1, multicast, frame(codec, 1, ++seq));
                    final byte[] forged = frame(codec, 1, ++seq);
                    forged[forged.length - 1] ^= 0x55;
                    send(ns[1], 1, multicast, forged);
                    send(ns[1], 1, multicast, frame(foreign, 1, ++seq));
                    send(ns[1], 1, multicast, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                    final byte[] cut = frame(codec, 1, ++seq);
                    send(ns[1], 1, multicast, java.util.Arrays.copyOf(cut, HeartbeatFrame.HEADER_LENGTH));
                    // authentic (the key leaked) but from an address that is not the peer's
                    send(ns[2], 2, multicast, frame(codec, 1, ++seq));
                    kernelDrops += 4;
                }
                final int[] accepted = {0};
                final HeartbeatHandler h = (p, frame, fresh, rxNs) -> accepted[0]++;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while ((accepted[0] < 20 || rx.stats().count(Result.BAD_MAC) < 20
                    || rx.stats().kernelDropped(0) < kernelDrops) && System.nanoTime() - deadline < 0) {
                    receiver.poll(h);
                    Thread.sleep(20);
                }
                assertEquals(20, accepted[0]);
                assertEquals(20, rx.stats().count(Result.BAD_MAC));
                assertEquals(kernelDrops, rx.stats().kernelDropped(0), rx.stats().toString());
                for (final Result r : new Result[] {Result.FOREIGN_CLUSTER, Result.TRUNCATED, Result.BAD_MAGIC,
                    Result.UNKNOWN_SENDER, Result.REPLAY}) {
                    assertEquals(0, rx.stats().count(r), r + ": " + rx.stats());
                }
            }
        }
    }

    private static byte[] frame(final HeartbeatFrame codec, final int sender, final long seq) {
        final byte[] f = new byte[HeartbeatFrame.frameLength(32)];
        codec.encode(f, 0, 1, 0, sender, 5L, seq, new byte[32], 0, 32);
        return f;
    }

    private static void send(final String ns, final int node, final boolean multicast, final byte[] datagram) {
        try (NetNamespace.Scope s = NetNamespace.enter(ns);
             UdpSocket sock = UdpSocket.open("sender", ipv6)) {
            sock.bind(address(node), 0);
            if (multicast) {
                sock.multicastInterface(address(node), 0);
                sock.addDestination(inet(GROUP), PORT);
            } else {
                sock.addDestination(address(0), PORT);
            }
            final int rc = sock.sendTo(0, ByteBuffer.wrap(datagram), 0, datagram.length);
            if (rc != datagram.length) {
                throw new IllegalStateException("sendto returned " + rc);
            }
        }
    }

    /** Whether the running case is IPv6 (2001:db8::21...) rather than IPv4 (192.0.2.21...). */
    private static volatile boolean ipv6;

    private static InetAddress address(final int node) {
        return ipv6 ? InetAddress.ofLiteral("2001:db8::" + Integer.toHexString(0x21 + node))
            : inet("192.0.2." + (21 + node));
    }

    private static Inet4Address inet(final String text) {
        return UdpWorld.inet(text);
    }
}
