package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * The neighbour discovery codec against messages Linux sent (fixtures/ndp, captured from veth pairs in network
 * namespaces) and against checksums computed by another implementation.
 */
class NdpTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final long OURS = 0x02000000000aL;    // 02:00:00:00:00:0a
    private static final long HOLDER = 0x02000000000bL;  // 02:00:00:00:00:0b
    private static final byte[] TWO = v6("2001:db8::2");
    private static final byte[] FIVE = v6("2001:db8::5");
    private static final byte[] VIP = v6("2001:db8::100");

    /**
     * armd's probe for 2001:db8::100: from :: to ff02::1:ff00:100, no option; checksum 0x4aef computed with Python's
     * own arithmetic over the pseudo-header.
     */
    private static final String PROBE_VIP = "600000000018" + "3aff" + "00".repeat(16)
        + "ff0200000000000000000001ff000100" + "87004aef00000000" + "20010db8000000000000000000000100";
    /** armd's announcement of 2001:db8::100 from 02:00:00:00:00:0a with the router flag (checksum 0x7723, Python). */
    private static final String ROUTER_NA_VIP = "600000000020" + "3aff" + "20010db8000000000000000000000100"
        + "ff020000000000000000000000000001" + "88007723a0000000" + "20010db8000000000000000000000100"
        + "0201" + "02000000000a";

    private static byte[] v6(final String s) {
        return InetAddress.ofLiteral(s).getAddress();
    }

    static byte[] fixture(final String name) throws IOException {
        try (InputStream in = NdpTest.class.getResourceAsStream("/fixtures/ndp/" + name)) {
            final String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return HEX.parseHex(text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining())
                .replace(" ", ""));
        }
    }

    private static ByteBuffer bytes(final byte[] b) {
        return ByteBuffer.wrap(b);
    }

    @Test
    void theChecksumOfEveryMessageLinuxSentIsRight() throws IOException {
        for (final String f : new String[] {"linux-dad-probe.hex", "linux-dad-answer.hex",
            "linux-unsolicited-na.hex"}) {
            final byte[] b = fixture(f);
            assertEquals(0, Ndp.checksum(bytes(b), 0, b.length), f);
            assertTrue(Ndp.isValid(bytes(b), 0, b.length), f);
        }
    }

    @Test
    void theAnnouncementIsTheAdvertisementLinuxSendsByteForByte() throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(80);
        assertEquals(72, Ndp.writeAnnouncement(b, 5, HOLDER, TWO, false));
        assertArrayEquals(fixture("linux-dad-answer.hex"), java.util.Arrays.copyOfRange(b.array(), 5, 77));
        final ByteBuffer c = ByteBuffer.allocate(72);
        Ndp.writeAnnouncement(c, 0, OURS, FIVE, false);
        assertArrayEquals(fixture("linux-unsolicited-na.hex"), c.array());
    }

    @Test
    void theRouterFlagIsSetForAForwardingHost() {
        final ByteBuffer b = ByteBuffer.allocate(72);
        Ndp.writeAnnouncement(b, 0, OURS, VIP, true);
        assertEquals(ROUTER_NA_VIP, HEX.formatHex(b.array()));
        assertEquals(Ndp.FLAG_ROUTER | Ndp.FLAG_OVERRIDE, Ndp.flags(b, 0));
    }

    @Test
    void buildsTheProbeByteForByte() {
        final ByteBuffer b = ByteBuffer.allocate(64);
        assertEquals(64, Ndp.writeProbe(b, 0, VIP));
        assertEquals(PROBE_VIP, HEX.formatHex(b.array()));
        assertTrue(Ndp.isValid(b, 0, 64));
        assertEquals(0x3333ff000100L, Ndp.probeMac(VIP));
        assertEquals(0x3333ff000002L, Ndp.probeMac(TWO));
    }

    @Test
    void ourProbeDiffersFromLinuxsOnlyByItsNonceOption() throws IOException {
        final byte[] linux = fixture("linux-dad-probe.hex");
        final ByteBuffer ours = ByteBuffer.allocate(64);
        Ndp.writeProbe(ours, 0, TWO);
        // same header but the payload length, same addresses, type, reserved word and target
        assertArrayEquals(java.util.Arrays.copyOfRange(linux, 6, 42), java.util.Arrays.copyOfRange(ours.array(), 6,
            42));
        assertArrayEquals(java.util.Arrays.copyOfRange(linux, 44, 64), java.util.Arrays.copyOfRange(ours.array(), 44,
            64));
        assertEquals(Ndp.PROBED, Ndp.conflict(bytes(linux), 0, TWO));
    }

    @Test
    void theHoldersAnswerIsAConflictNamingItsMac() throws IOException {
        final byte[] na = fixture("linux-dad-answer.hex");
        assertEquals(Ndp.IN_USE, Ndp.conflict(bytes(na), 0, TWO));
        assertEquals(HOLDER, Ndp.linkLayerAddress(bytes(na), 0));
        assertEquals(Ndp.NO_CONFLICT, Ndp.conflict(bytes(na), 0, FIVE));
        final byte[] unsolicited = fixture("linux-unsolicited-na.hex");
        assertEquals(Ndp.IN_USE, Ndp.conflict(bytes(unsolicited), 0, FIVE));
        assertEquals(OURS, Ndp.linkLayerAddress(bytes(unsolicited), 0));
    }

    @Test
    void aSolicitationFromTheAddressIsItsHolderAndOneForItFromAClientIsNot() {
        final ByteBuffer fromHolder = solicitation(VIP, TWO);
        assertEquals(Ndp.IN_USE, Ndp.conflict(fromHolder, 0, VIP));
        final ByteBuffer fromClient = solicitation(TWO, VIP);
        assertEquals(Ndp.NO_CONFLICT, Ndp.conflict(fromClient, 0, VIP));
        // a solicitation carries its sender's link-layer address in the source option
        assertEquals(HOLDER, Ndp.linkLayerAddress(fromHolder, 0));
    }

    /** An address resolution NS from {@code source} for {@code target}, from HOLDER, with a valid checksum. */
    private static ByteBuffer solicitation(final byte[] source, final byte[] target) {
        final ByteBuffer b = ByteBuffer.allocate(72);
        Ndp.writeProbe(b, 0, target);
        b.putShort(4, (short) 32);
        b.put(8, source);
        b.put(64, (byte) Ndp.OPTION_SOURCE_LINK_LAYER).put(65, (byte) 1).putShort(66, (short) 0x0200)
            .putInt(68, 0x0000000b);
        b.putShort(42, (short) 0);
        b.putShort(42, (short) Ndp.checksum(b, 0, 72));
        assertTrue(Ndp.isValid(b, 0, 72));
        return b;
    }

    @Test
    void aProbeHasNoLinkLayerOption() {
        final ByteBuffer b = ByteBuffer.allocate(64);
        Ndp.writeProbe(b, 0, VIP);
        assertEquals(-1, Ndp.linkLayerAddress(b, 0));
        assertTrue(Ndp.unspecifiedSource(b, 0));
        assertTrue(Ndp.targetIs(b, 0, VIP));
    }

    @Test
    void damagedOrForeignMessagesAreNotValid() throws IOException {
        final byte[] good = fixture("linux-dad-answer.hex");
        // a bit flipped anywhere breaks the checksum
        for (final int at : new int[] {9, 30, 44, 50, 70}) {
            final byte[] b = good.clone();
            b[at] ^= 0x01;
            assertFalse(Ndp.isValid(bytes(b), 0, b.length), "bit flipped at " + at);
        }
        final byte[] hop = good.clone();
        hop[7] = 64; // forwarded by a router: not from this link
        assertFalse(Ndp.isValid(bytes(hop), 0, hop.length));
        final byte[] code = good.clone();
        code[41] = 1;
        assertFalse(Ndp.isValid(bytes(code), 0, code.length));
        assertFalse(Ndp.isValid(bytes(good), 0, good.length - 1), "truncated");
        assertFalse(Ndp.isValid(bytes(good), 0, 50), "shorter than a message");
        final byte[] zeroOption = good.clone();
        zeroOption[65] = 0;
        assertFalse(Ndp.isValid(bytes(zeroOption), 0, zeroOption.length), "an option of length 0");
        final byte[] echo = good.clone();
        echo[40] = (byte) 128;
        assertFalse(Ndp.isValid(bytes(echo), 0, echo.length), "an echo request");
        final byte[] v4 = good.clone();
        v4[0] = 0x45;
        assertFalse(Ndp.isValid(bytes(v4), 0, v4.length));
    }

    @Test
    void theSocketFilterKeepsSolicitationsAndAdvertisementsOnly() {
        // run the classic BPF program over the messages the probe must see and some it must not
        assertTrue(filterKeeps(ByteBuffer.wrap(HEX.parseHex(PROBE_VIP))));
        assertTrue(filterKeeps(ByteBuffer.wrap(HEX.parseHex(ROUTER_NA_VIP))));
        final byte[] echo = HEX.parseHex(PROBE_VIP);
        echo[40] = (byte) 128;
        assertFalse(filterKeeps(ByteBuffer.wrap(echo)));
        final byte[] udp = HEX.parseHex(PROBE_VIP);
        udp[6] = 17;
        assertFalse(filterKeeps(ByteBuffer.wrap(udp)));
    }

    /** A classic BPF interpreter for the instructions {@link Ndp#SOCKET_FILTER} uses (ldb abs, jeq k, ret k). */
    private static boolean filterKeeps(final ByteBuffer packet) {
        int a = 0;
        for (int pc = 0; pc < Ndp.SOCKET_FILTER.length; pc++) {
            final long insn = Ndp.SOCKET_FILTER[pc];
            final int code = (int) (insn >>> 48);
            final int jt = (int) (insn >>> 40) & 0xff;
            final int jf = (int) (insn >>> 32) & 0xff;
            final int k = (int) insn;
            switch (code) {
                case 0x30 -> a = Byte.toUnsignedInt(packet.get(k));
                case 0x15 -> pc += a == k ? jt : jf;
                case 0x06 -> {
                    return k != 0;
                }
                default -> throw new AssertionError("unexpected opcode " + code);
            }
        }
        throw new AssertionError("the program ran off its end");
    }
}
