package armd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The heartbeat socket filter, run here by a small classic-BPF interpreter over the packet as a UDP socket's
 * filter sees it (IPv4 header before it, data from the UDP header); the kernel side is HeartbeatKernelFilterIT.
 */
class HeartbeatFilterTest {
    private static final int CLUSTER = HeartbeatFrame.clusterId("it");
    private static final int PEER = 0xC000020C; // 192.0.2.12
    private static final int OTHER = 0xC0000263; // 192.0.2.99
    private static final byte[] KEY = new byte[32];

    @Test
    void aFrameOfThisClusterFromAPeerPasses() {
        final List<HeartbeatFilter.Insn> p = HeartbeatFilter.program(CLUSTER, new int[] {0xC000020B, PEER});
        assertEquals(HeartbeatFilter.ACCEPT, run(p, PEER, frame(CLUSTER, 120)));
        assertEquals(HeartbeatFilter.ACCEPT, run(p, 0xC000020B, frame(CLUSTER, 0)));
        // the MAC is not the filter's business: a forged frame from a peer's address passes to the MAC check
        final byte[] forged = frame(CLUSTER, 40);
        forged[forged.length - 1] ^= 1;
        assertEquals(HeartbeatFilter.ACCEPT, run(p, PEER, forged));
    }

    @Test
    void everythingElseIsDropped() {
        final List<HeartbeatFilter.Insn> p = HeartbeatFilter.program(CLUSTER, new int[] {PEER});
        assertEquals(0, run(p, OTHER, frame(CLUSTER, 120)), "not from a peer");
        assertEquals(0, run(p, PEER, frame(CLUSTER ^ 1, 120)), "another cluster");
        final byte[] magic = frame(CLUSTER, 8);
        magic[0] = 0x12;
        assertEquals(0, run(p, PEER, magic), "bad magic");
        final byte[] version = frame(CLUSTER, 8);
        version[2] = 2;
        assertEquals(0, run(p, PEER, version), "another version");
        final byte[] shortest = frame(CLUSTER, 0);
        assertEquals(0, run(p, PEER, java.util.Arrays.copyOf(shortest, shortest.length - 1)), "truncated");
        assertEquals(0, run(p, PEER, new byte[0]), "empty");
        assertEquals(0, run(p, PEER, new byte[] {(byte) 0xA1, 0x2D}), "two bytes");
    }

    @Test
    void withoutSourcesAnyAddressPasses() {
        final List<HeartbeatFilter.Insn> p = HeartbeatFilter.program(CLUSTER, new int[0]);
        assertEquals(HeartbeatFilter.ACCEPT, run(p, OTHER, frame(CLUSTER, 64)));
        assertEquals(0, run(p, OTHER, frame(CLUSTER + 1, 64)));
    }

    @Test
    void sixteenPeersAreEachRecognised() {
        final int[] peers = new int[15];
        for (int i = 0; i < peers.length; i++) {
            peers[i] = 0xC0000200 + 11 + i;
        }
        final List<HeartbeatFilter.Insn> p = HeartbeatFilter.program(CLUSTER, peers);
        for (final int peer : peers) {
            assertEquals(HeartbeatFilter.ACCEPT, run(p, peer, frame(CLUSTER, 300)));
        }
        assertEquals(0, run(p, 0xC0000200 + 11 + 15, frame(CLUSTER, 300)));
        assertThrows(IllegalArgumentException.class, () -> HeartbeatFilter.program(CLUSTER, new int[201]));
    }

    @Test
    void anIpv6ProgramComparesTheWholeSourceAddress() {
        final byte[] peer = java.net.InetAddress.ofLiteral("2001:db8::12").getAddress();
        final byte[] other = java.net.InetAddress.ofLiteral("2001:db8::1:12").getAddress();
        final byte[] lastWord = java.net.InetAddress.ofLiteral("2001:db8::13").getAddress();
        final byte[] firstWord = java.net.InetAddress.ofLiteral("2001:db9::12").getAddress();
        final List<HeartbeatFilter.Insn> p = HeartbeatFilter.programIpv6(CLUSTER, new byte[][] {other, peer});
        assertEquals(HeartbeatFilter.ACCEPT, run(p, ipv6(peer), frame(CLUSTER, 120)));
        assertEquals(HeartbeatFilter.ACCEPT, run(p, ipv6(other), frame(CLUSTER, 0)));
        assertEquals(0, run(p, ipv6(lastWord), frame(CLUSTER, 120)), "differs in the last word");
        assertEquals(0, run(p, ipv6(firstWord), frame(CLUSTER, 120)), "differs in the first word");
        assertEquals(0, run(p, ipv6(peer), frame(CLUSTER ^ 1, 120)), "another cluster");
        final byte[] shortest = frame(CLUSTER, 0);
        assertEquals(0, run(p, ipv6(peer), java.util.Arrays.copyOf(shortest, shortest.length - 1)), "truncated");
        assertEquals(HeartbeatFilter.ACCEPT, run(HeartbeatFilter.programIpv6(CLUSTER, new byte[0][]), ipv6(lastWord),
            frame(CLUSTER, 64)), "no sources: any");
    }

    @Test
    void thirtyIpv6PeersAreEachRecognised() {
        final byte[][] peers = new byte[HeartbeatFilter.MAX_IPV6_SOURCES][];
        for (int i = 0; i < peers.length; i++) {
            peers[i] = java.net.InetAddress.ofLiteral("2001:db8::" + Integer.toHexString(0x11 + i)).getAddress();
        }
        final List<HeartbeatFilter.Insn> p = HeartbeatFilter.programIpv6(CLUSTER, peers);
        for (final HeartbeatFilter.Insn in : p) {
            assertEquals(true, in.jt() <= 255 && in.jf() <= 255, "8-bit jumps: " + in);
        }
        for (final byte[] peer : peers) {
            assertEquals(HeartbeatFilter.ACCEPT, run(p, ipv6(peer), frame(CLUSTER, 300)));
        }
        assertEquals(0, run(p, ipv6(java.net.InetAddress.ofLiteral("2001:db8::1").getAddress()), frame(CLUSTER, 300)));
        assertThrows(IllegalArgumentException.class,
            () -> HeartbeatFilter.programIpv6(CLUSTER, new byte[HeartbeatFilter.MAX_IPV6_SOURCES + 1][]));
    }

    /** An IPv6 header from {@code source} to 2001:db8::1. */
    private static ByteBuffer ipv6(final byte[] source) {
        final ByteBuffer ip = ByteBuffer.allocate(40).put(0, (byte) 0x60).put(6, (byte) 17).put(8, source);
        ip.put(24, java.net.InetAddress.ofLiteral("2001:db8::1").getAddress());
        return ip;
    }

    private static byte[] frame(final int cluster, final int payload) {
        final byte[] f = new byte[HeartbeatFrame.frameLength(payload)];
        new HeartbeatFrame(KEY, cluster).encode(f, 0, 1, 0, 1, 7L, 9L, new byte[payload], 0, payload);
        return f;
    }

    /** Runs {@code program} as the kernel would on a UDP datagram carrying {@code data} from {@code source}. */
    private static int run(final List<HeartbeatFilter.Insn> program, final int source, final byte[] data) {
        return run(program, ByteBuffer.allocate(20).put(0, (byte) 0x45).putInt(12, source).putInt(16, 0xEFC00001),
            data);
    }

    /** Runs {@code program} on a UDP datagram carrying {@code data} behind network header {@code ip}. */
    private static int run(final List<HeartbeatFilter.Insn> program, final ByteBuffer ip, final byte[] data) {
        final ByteBuffer udp = ByteBuffer.allocate(8 + data.length).putShort(4, (short) (8 + data.length));
        udp.put(8, data);
        int a = 0;
        for (int pc = 0; pc < program.size(); pc++) {
            final HeartbeatFilter.Insn in = program.get(pc);
            switch (in.code()) {
                case HeartbeatFilter.LD_W_LEN -> a = udp.capacity();
                case HeartbeatFilter.LD_W_ABS, HeartbeatFilter.LD_H_ABS, HeartbeatFilter.LD_B_ABS -> {
                    final int size = in.code() == HeartbeatFilter.LD_W_ABS ? 4
                        : in.code() == HeartbeatFilter.LD_H_ABS ? 2 : 1;
                    final boolean net = in.k() >= HeartbeatFilter.SKF_NET_OFF && in.k() < 0;
                    final ByteBuffer b = net ? ip : udp;
                    final int off = net ? in.k() - HeartbeatFilter.SKF_NET_OFF : in.k();
                    if (off < 0 || off + size > b.capacity()) {
                        return 0; // an out-of-bounds load ends the program with 0, as in the kernel
                    }
                    a = size == 4 ? b.getInt(off) : size == 2 ? Short.toUnsignedInt(b.getShort(off))
                        : Byte.toUnsignedInt(b.get(off));
                }
                case HeartbeatFilter.JEQ_K -> pc += a == in.k() ? in.jt() : in.jf();
                case HeartbeatFilter.JGE_K -> pc += Integer.compareUnsigned(a, in.k()) >= 0 ? in.jt() : in.jf();
                case HeartbeatFilter.RET_K -> {
                    return in.k();
                }
                default -> throw new AssertionError("unexpected instruction " + in);
            }
        }
        throw new AssertionError("the program ran off its end");
    }
}
