package armd.sys.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.Clock;
import armd.sys.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class UdpSocketTest {
    private static final Inet4Address LOOPBACK = (Inet4Address) InetAddress.getLoopbackAddress();

    @Test
    void structLayoutsMatchLinuxSocketHOnX8664() {
        assertEquals(12, UdpSocket.IP_MREQN_SIZE);
        assertEquals(16, UdpSocket.IOVEC_SIZE);
        assertEquals(56, UdpSocket.MSGHDR_SIZE);
        assertEquals(0, UdpSocket.MSGHDR_NAME);
        assertEquals(8, UdpSocket.MSGHDR_NAMELEN);
        assertEquals(16, UdpSocket.MSGHDR_IOV);
        assertEquals(24, UdpSocket.MSGHDR_IOVLEN);
        assertEquals(32, UdpSocket.MSGHDR_CONTROL);
        assertEquals(40, UdpSocket.MSGHDR_CONTROLLEN);
        assertEquals(48, UdpSocket.MSGHDR_FLAGS);
        assertEquals(16, UdpSocket.CMSGHDR_SIZE);
        assertEquals(35, UdpSocket.SCM_TIMESTAMPNS);
        assertEquals(49, UdpSocket.IP_MULTICAST_ALL);
    }

    @Test
    void theTimestampIsFoundAfterAnotherControlMessage() {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment c = a.allocate(UdpSocket.CONTROL_SIZE, 8);
            // IP_PKTINFO first: cmsg_len 28 (16 + struct in_pktinfo 12), padded to 32
            c.set(ValueLayout.JAVA_LONG, 0, 28);
            c.set(ValueLayout.JAVA_INT, 8, UdpSocket.IPPROTO_IP);
            c.set(ValueLayout.JAVA_INT, 12, 8);
            c.set(ValueLayout.JAVA_LONG, 32, 32);
            c.set(ValueLayout.JAVA_INT, 40, UdpSocket.SOL_SOCKET);
            c.set(ValueLayout.JAVA_INT, 44, UdpSocket.SCM_TIMESTAMPNS);
            c.set(ValueLayout.JAVA_LONG, 48, 1_700_000_000L);
            c.set(ValueLayout.JAVA_LONG, 56, 123_456_789L);
            assertEquals(1_700_000_000_123_456_789L, UdpSocket.timestampOf(c, 64));
            assertEquals(0, UdpSocket.timestampOf(c, 32), "no timestamp in the first message alone");
            c.set(ValueLayout.JAVA_LONG, 0, 200);
            assertEquals(0, UdpSocket.timestampOf(c, 64), "a cmsg_len past the buffer ends the walk");
        }
    }

    @Test
    void aDatagramOnLoopbackCarriesItsKernelReceiveTime() {
        try (UdpSocket rx = UdpSocket.open("rx"); UdpSocket tx = UdpSocket.open("tx")) {
            rx.bind(LOOPBACK, 0);
            tx.bind(LOOPBACK, 0);
            final int d = tx.addDestination(LOOPBACK, rx.localPort());
            assertEquals(0, rx.receive(), "nothing queued yet");
            final ByteBuffer frame = ByteBuffer.wrap(new byte[] {9, 1, 2, 3, 4, 9});
            final long beforeRt = Clock.realtimeNs();
            assertEquals(4, tx.sendTo(d, frame, 1, 4));
            int got = 0;
            for (int i = 0; i < 10_000 && got == 0; i++) {
                got = rx.receive();
                Thread.onSpinWait();
            }
            final long afterRt = Clock.realtimeNs();
            assertEquals(1, got);
            assertEquals(4, rx.rxLength());
            assertEquals(3, rx.rxBuffer().get(2));
            assertEquals(tx.localPort(), rx.rxSourcePort());
            assertEquals(0x7f000001, rx.rxSourceAddress());
            assertTrue(rx.rxRealtimeNs() >= beforeRt - 1_000_000_000L && rx.rxRealtimeNs() <= afterRt,
                "kernel timestamp " + rx.rxRealtimeNs() + " outside [" + beforeRt + ", " + afterRt + "]");
        }
    }

    @Test
    void aConnectedSendToAClosedPortIsRefused() {
        final int deadPort;
        try (UdpSocket gone = UdpSocket.open("gone")) {
            gone.bind(LOOPBACK, 0);
            deadPort = gone.localPort();
        }
        try (UdpSocket s = UdpSocket.open("probe")) {
            s.connect(LOOPBACK, deadPort);
            final ByteBuffer b = ByteBuffer.wrap(new byte[8]);
            int rc = s.send(b, 0, 8);
            // the ICMP port unreachable comes back asynchronously: the next send or receive reports it
            for (int i = 0; i < 10_000 && rc != -Errno.ECONNREFUSED; i++) {
                rc = s.receive();
                Thread.onSpinWait();
            }
            assertEquals(-Errno.ECONNREFUSED, rc);
        }
    }

    @Test
    void anOversizeSendIsRefusedWithoutASyscall() {
        try (UdpSocket s = UdpSocket.open("big")) {
            s.bind(LOOPBACK, 0);
            final int d = s.addDestination(LOOPBACK, s.localPort());
            assertEquals(-Errno.EMSGSIZE, s.sendTo(d, ByteBuffer.allocate(4096), 0, 4096));
        }
    }
}
