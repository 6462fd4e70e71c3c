package armd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class ArpPacketTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final long OURS = 0x02000000000aL;     // 02:00:00:00:00:0a
    private static final long HOLDER = 0x02000000000bL;   // 02:00:00:00:00:0b
    private static final int ADDRESS = 0xc000020a;        // 192.0.2.10
    private static final int OTHER = 0xc000020b;          // 192.0.2.11

    /** RFC 5227 probe for 192.0.2.10 from 02:00:00:00:00:0a: sender IP 0, target MAC 0. */
    private static final String PROBE = "0001080006040001" + "02000000000a" + "00000000" + "000000000000" + "c000020a";
    /** RFC 5227 announcement of 192.0.2.10 by 02:00:00:00:00:0a: sender IP = target IP. */
    private static final String ANNOUNCEMENT =
        "0001080006040001" + "02000000000a" + "c000020a" + "000000000000" + "c000020a";
    /** How Linux answers that probe when it holds the address: a reply, sender IP the address, target IP 0. */
    private static final String LINUX_REPLY_TO_PROBE =
        "0001080006040002" + "02000000000b" + "c000020a" + "02000000000a" + "00000000";
    /** Another host's probe for the same address. */
    private static final String THEIR_PROBE =
        "0001080006040001" + "02000000000b" + "00000000" + "000000000000" + "c000020a";
    /** An ordinary who-has for another address, from the holder. */
    private static final String WHO_HAS_OTHER =
        "0001080006040001" + "02000000000b" + "c000020a" + "000000000000" + "c000020b";

    private static ByteBuffer bytes(final String hex) {
        return ByteBuffer.wrap(HEX.parseHex(hex));
    }

    @Test
    void buildsAnRfc5227ProbeByteForByte() {
        final ByteBuffer b = ByteBuffer.allocate(ArpPacket.SIZE);
        assertEquals(28, ArpPacket.writeProbe(b, 0, OURS, ADDRESS));
        assertEquals(PROBE, HEX.formatHex(b.array()));
    }

    @Test
    void buildsAnRfc5227AnnouncementByteForByte() {
        final ByteBuffer b = ByteBuffer.allocate(40);
        ArpPacket.writeAnnouncement(b, 6, OURS, ADDRESS);
        assertEquals(ANNOUNCEMENT, HEX.formatHex(b.array(), 6, 34));
    }

    @Test
    void readsTheFields() {
        final ByteBuffer b = bytes(LINUX_REPLY_TO_PROBE);
        assertTrue(ArpPacket.isEthernetIpv4(b, 0, 28));
        assertEquals(ArpPacket.OP_REPLY, ArpPacket.operation(b, 0));
        assertEquals(HOLDER, ArpPacket.senderMac(b, 0));
        assertEquals(ADDRESS, ArpPacket.senderIp(b, 0));
        assertEquals(OURS, ArpPacket.targetMac(b, 0));
        assertEquals(0, ArpPacket.targetIp(b, 0));
    }

    @Test
    void aReplyFromTheHolderIsAConflict() {
        assertEquals(ArpPacket.IN_USE, ArpPacket.conflict(bytes(LINUX_REPLY_TO_PROBE), 0, 28, ADDRESS, OURS));
    }

    @Test
    void anyMessageWithTheAddressAsSenderIsAConflict() {
        // the holder's own who-has for someone else, and its gratuitous ARP, both reveal it (RFC 5227 2.1.1)
        assertEquals(ArpPacket.IN_USE, ArpPacket.conflict(bytes(WHO_HAS_OTHER), 0, 28, ADDRESS, OURS));
        final ByteBuffer theirs = ByteBuffer.allocate(28);
        ArpPacket.writeAnnouncement(theirs, 0, HOLDER, ADDRESS);
        assertEquals(ArpPacket.IN_USE, ArpPacket.conflict(theirs, 0, 28, ADDRESS, OURS));
    }

    @Test
    void anotherHostsProbeForTheAddressIsAConflict() {
        assertEquals(ArpPacket.PROBED, ArpPacket.conflict(bytes(THEIR_PROBE), 0, 28, ADDRESS, OURS));
    }

    @Test
    void ourOwnFramesNeverConflict() {
        assertEquals(ArpPacket.NO_CONFLICT, ArpPacket.conflict(bytes(PROBE), 0, 28, ADDRESS, OURS));
        assertEquals(ArpPacket.NO_CONFLICT, ArpPacket.conflict(bytes(ANNOUNCEMENT), 0, 28, ADDRESS, OURS));
    }

    @Test
    void framesAboutOtherAddressesDoNotConflict() {
        assertEquals(ArpPacket.NO_CONFLICT, ArpPacket.conflict(bytes(LINUX_REPLY_TO_PROBE), 0, 28, OTHER, OURS));
        assertEquals(ArpPacket.NO_CONFLICT, ArpPacket.conflict(bytes(THEIR_PROBE), 0, 28, OTHER, OURS));
    }

    @Test
    void ignoresMalformedAndForeignFrames() {
        assertEquals(ArpPacket.NO_CONFLICT, ArpPacket.conflict(bytes(LINUX_REPLY_TO_PROBE), 0, 27, ADDRESS, OURS));
        // hardware type 6 (IEEE 802), protocol IPv6, lengths, operation 3 (RARP request)
        for (final String bad : new String[] {"0006", "000186dd", "00010800070400", "0001080006040003"}) {
            final byte[] frame = HEX.parseHex(LINUX_REPLY_TO_PROBE);
            final byte[] head = HEX.parseHex(bad);
            System.arraycopy(head, 0, frame, 0, head.length);
            assertFalse(ArpPacket.isEthernetIpv4(ByteBuffer.wrap(frame), 0, 28), bad);
            assertEquals(ArpPacket.NO_CONFLICT, ArpPacket.conflict(ByteBuffer.wrap(frame), 0, 28, ADDRESS, OURS));
        }
    }

    @Test
    void printsAddresses() {
        assertEquals("02:00:00:00:00:0b", ArpPacket.macToString(HOLDER));
        assertEquals("ff:ff:ff:ff:ff:ff", ArpPacket.macToString(0xffffffffffffL));
        assertEquals("192.0.2.10", ArpPacket.ipToString(ADDRESS));
        assertEquals("255.255.255.255", ArpPacket.ipToString(-1));
    }
}
