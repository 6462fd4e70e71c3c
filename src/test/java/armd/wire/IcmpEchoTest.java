package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IcmpEchoTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final long COOKIE = 0x0102030405060708L;
    /** Echo request, identifier 0x1234, sequence 1, cookie 01..08; checksum 0xd5b6. */
    private static final String REQUEST_V4 = "0800d5b6123400010102030405060708";
    /** Its reply. */
    private static final String REPLY_V4 = "0000ddb6123400010102030405060708";
    /** The IPv4 header in front of the reply on a raw socket: 192.0.2.2 -> 192.0.2.1, protocol 1, IHL 5. */
    private static final String IPV4_HEADER = "45000024abcd400040010b08c0000202c0000201";

    private static ByteBuffer bytes(final String hex) {
        return ByteBuffer.wrap(HEX.parseHex(hex));
    }

    @Test
    void checksumMatchesTheRfc1071Example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement
        assertEquals(0x220d, IcmpEcho.checksum(bytes("0001f203f4f5f6f7"), 0, 8));
    }

    @Test
    void checksumPadsAnOddLastByteWithZero() {
        assertEquals(~(0x0001 + 0xab00) & 0xffff, IcmpEcho.checksum(bytes("0001ab"), 0, 3));
    }

    @Test
    void checksumOfAMessageCarryingAValidChecksumIsZero() {
        assertEquals(0, IcmpEcho.checksum(bytes(REQUEST_V4), 0, 16));
        assertEquals(0, IcmpEcho.checksum(bytes(IPV4_HEADER), 0, 20));
    }

    @Test
    void buildsTheIpv4RequestByteForByte() {
        final ByteBuffer b = ByteBuffer.allocate(32);
        assertEquals(IcmpEcho.REQUEST_SIZE, IcmpEcho.writeRequest(b, 4, false, 0x1234, 1, COOKIE));
        assertArrayEquals(HEX.parseHex(REQUEST_V4), java.util.Arrays.copyOfRange(b.array(), 4, 20));
    }

    @Test
    void buildsAnIcmpv6RequestWithTheChecksumLeftToTheKernel() {
        final ByteBuffer b = ByteBuffer.allocate(16);
        IcmpEcho.writeRequest(b, 0, true, 0xbeef, 0xffff, COOKIE);
        assertEquals("80000000beefffff0102030405060708", HEX.formatHex(b.array()));
    }

    @Test
    void findsTheReplyBehindTheIpv4HeaderOfARawSocket() {
        final ByteBuffer b = bytes(IPV4_HEADER + REPLY_V4);
        final int off = IcmpEcho.skipIpv4Header(b, 0, 36);
        assertEquals(20, off);
        assertEquals(IcmpEcho.MATCH, IcmpEcho.match(b, off, 16, false, 0x1234, 1, COOKIE));
    }

    @Test
    void honoursIpv4Options() {
        // IHL 6: one 4-byte option (NOPs), so the ICMP message starts at 24
        assertEquals(24, IcmpEcho.skipIpv4Header(bytes("46000028abcd40004001000" + "0c0000202c000020101010101"
            + REPLY_V4), 0, 40));
    }

    @ParameterizedTest
    @CsvSource({
        "6500002400000000400100000000000000000000, 36", // version 6
        "4400002400000000400100000000000000000000, 36", // IHL 4 < 5
        "4f00002400000000400100000000000000000000, 36", // IHL 15 = 60 bytes > length
        "45000024000000004001, 10"                      // shorter than a header
    })
    void rejectsABadIpv4Header(final String header, final int len) {
        final ByteBuffer b = ByteBuffer.allocate(64).put(HEX.parseHex(header));
        assertEquals(-1, IcmpEcho.skipIpv4Header(b, 0, len));
    }

    @ParameterizedTest
    @CsvSource({
        "0000ddb6123400010102030405060708, 4660, 1, MATCH",
        "0000ddb6123400010102030405060708, -1, 1, MATCH",             // identifier checked by the kernel
        "0000ddb6123400010102030405060708, 4661, 1, OTHER_IDENTIFIER", // someone else's ping
        "0000ddb6123400010102030405060708, 4660, 2, OTHER_SEQUENCE",   // a late reply to request 1
        "0000ddb5123400010102030405060709, 4660, 1, OTHER_COOKIE",     // same id and seq, other payload
        "0800d5b6123400010102030405060708, 4660, 1, NOT_ECHO_REPLY",   // our own request looped back
        "0301fcfe000000004500001c00000000, 4660, 1, NOT_ECHO_REPLY",   // destination unreachable
        "0000ddb7123400010102030405060708, 4660, 1, BAD_CHECKSUM",
        "0000ddb612340001010203, 4660, 1, TRUNCATED"
    })
    void classifiesIpv4Messages(final String hex, final int identifier, final int sequence, final String expected)
        throws Exception {
        final ByteBuffer b = bytes(hex);
        final int code = IcmpEcho.match(b, 0, b.capacity(), false, identifier, sequence, COOKIE);
        assertEquals(IcmpEcho.class.getField(expected).getInt(null), code, hex);
    }

    @Test
    void anIcmpv6ReplyIsMatchedWithoutAChecksumCheck() {
        final ByteBuffer b = bytes("81000000beefffff0102030405060708");
        assertEquals(IcmpEcho.MATCH, IcmpEcho.match(b, 0, 16, true, 0xbeef, 0xffff, COOKIE));
        assertEquals(IcmpEcho.NOT_ECHO_REPLY, IcmpEcho.match(bytes("80000000beefffff0102030405060708"), 0, 16,
            true, 0xbeef, 0xffff, COOKIE));
        // an IPv4 echo reply type is not an ICMPv6 one
        assertEquals(IcmpEcho.NOT_ECHO_REPLY, IcmpEcho.match(bytes(REPLY_V4), 0, 16, true, 0x1234, 1, COOKIE));
    }

    @Test
    void sequenceNumbersWrapAtSixteenBits() {
        final ByteBuffer b = ByteBuffer.allocate(16);
        IcmpEcho.writeRequest(b, 0, false, 7, 0x10005, COOKIE);
        assertEquals(5, IcmpEcho.sequence(b, 0));
        assertEquals(7, IcmpEcho.identifier(b, 0));
        assertEquals(IcmpEcho.ECHO_REQUEST_V4, IcmpEcho.type(b, 0));
    }

    @Test
    void worksOnADirectBuffer() {
        final ByteBuffer d = ByteBuffer.allocateDirect(64);
        d.put(0, HEX.parseHex(IPV4_HEADER + REPLY_V4));
        assertEquals(IcmpEcho.MATCH, IcmpEcho.match(d, IcmpEcho.skipIpv4Header(d, 0, 36), 16, false, 0x1234, 1,
            COOKIE));
    }
}
