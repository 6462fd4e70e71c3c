package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;
import armd.sys.Errno;
import armd.sys.NetNamespace;
import armd.sys.udp.UdpSocket;

import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * A heartbeat socket opened while its link is down (an agent starting with its cable out): no route yet is not a
 * configuration error; the socket connects at the first send after the link came up.
 */
class DeferredConnectIT {
    @Test
    void aPeerWithoutARouteAtStartIsConnectedOnceTheLinkIsUp() throws Exception {
        Netns.assumeRoot();
        try (Netns net = new Netns("dc")) {
            final String a = net.namespace("a");
            final String b = net.namespace("b");
            net.veth(a, "eth0", b, "eth0");
            net.address(a, "eth0", "192.0.2.1/24");
            net.address(b, "eth0", "192.0.2.2/24");
            net.exec(a, "ip", "link", "set", "eth0", "down");
            final ByteBuffer one = ByteBuffer.wrap(new byte[] {1});
            try (NetNamespace.Scope s = NetNamespace.enter(a); UdpSocket tx = UdpSocket.open("to b")) {
                tx.bind(InetAddress.getByName("192.0.2.1"), 0);
                final int deferred = tx.connectOrDefer(InetAddress.getByName("192.0.2.2"), 7405);
                assertTrue(deferred == -Errno.ENETUNREACH || deferred == -Errno.EHOSTUNREACH
                    || deferred == -Errno.ENETDOWN, "no route while the link is down: " + deferred);
                assertTrue(tx.send(one, 0, 1) < 0, "nothing can be sent yet");
                net.exec(a, "ip", "link", "set", "eth0", "up");
                // the route comes with the link; the send connects first
                assertEquals(1, tx.send(one, 0, 1));
            }
        }
    }
}
