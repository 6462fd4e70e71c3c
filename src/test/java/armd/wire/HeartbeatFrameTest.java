package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import armd.wire.HeartbeatFrame.Result;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class HeartbeatFrameTest {
    private static final int ALL = 0xffff;

    private static byte[] fixtureKey() {
        final byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    private static byte[] fixture(final String name) throws IOException {
        try (InputStream in = HeartbeatFrameTest.class.getResourceAsStream("/fixtures/" + name)) {
            final String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            final String hex = text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining())
                .replaceAll("\\s", "");
            return HexFormat.of().parseHex(hex);
        }
    }

    private final HeartbeatFrame codec = new HeartbeatFrame(fixtureKey(), HeartbeatFrame.clusterId("fixture"));

    @Test
    void theVersion1FixtureDecodes() throws IOException {
        final byte[] f = fixture("heartbeat-v1.hex");
        assertEquals(Result.OK, codec.decode(f, 0, f.length, 1 << 3));
        assertEquals(1, codec.type());
        assertEquals(0x80, codec.flags());
        assertEquals(3, codec.senderId());
        assertEquals(0x0102030405060708L, codec.incarnation());
        assertEquals(42, codec.sequence());
        assertEquals("hello", new String(codec.buffer(), codec.payloadOffset(), codec.payloadLength(),
            StandardCharsets.US_ASCII));
    }

    @Test
    void encodingReproducesTheFixtureExactly() throws IOException {
        final byte[] dst = new byte[200];
        final byte[] payload = "xhellox".getBytes(StandardCharsets.US_ASCII);
        final int n = codec.encode(dst, 7, 1, 0x80, 3, 0x0102030405060708L, 42, payload, 1, 5);
        assertArrayEquals(fixture("heartbeat-v1.hex"), Arrays.copyOfRange(dst, 7, 7 + n));
        assertEquals(HeartbeatFrame.frameLength(5), n);
    }

    @Test
    void theClusterIdIsTheStartOfSha256OfTheName() {
        assertEquals(0xf16d05ec, HeartbeatFrame.clusterId("fixture"));
    }

    @Test
    void aMaximalFrameFitsOneEthernetMtu() {
        final byte[] dst = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
        final byte[] payload = new byte[HeartbeatFrame.MAX_PAYLOAD_LENGTH];
        final int n = codec.encode(dst, 0, 1, 0, 15, 1, 1, payload, 0, payload.length);
        assertEquals(HeartbeatFrame.MAX_FRAME_LENGTH, n);
        assertEquals(true, n <= 1500 - 40 - 8, "fits IPv6 too");
        assertEquals(Result.OK, codec.decode(dst, 0, n, ALL));
        assertEquals(15, codec.senderId());
    }

    @Test
    void aForgedMacIsBadMac() throws IOException {
        final byte[] f = fixture("heartbeat-v1.hex");
        f[f.length - 1] ^= 1;
        assertEquals(Result.BAD_MAC, codec.decode(f, 0, f.length, ALL));
    }

    @Test
    void aChangedPayloadOrHeaderIsBadMac() throws IOException {
        final byte[] f = fixture("heartbeat-v1.hex");
        f[HeartbeatFrame.HEADER_LENGTH] ^= 0x20;
        assertEquals(Result.BAD_MAC, codec.decode(f, 0, f.length, ALL));
        final byte[] g = fixture("heartbeat-v1.hex");
        g[HeartbeatFrame.OFF_SEQUENCE + 7] = 43;
        assertEquals(Result.BAD_MAC, codec.decode(g, 0, g.length, ALL), "a replay with a bumped sequence");
    }

    @Test
    void anotherKeyIsBadMac() throws IOException {
        final byte[] key = fixtureKey();
        key[0] = 99;
        final HeartbeatFrame other = new HeartbeatFrame(key, HeartbeatFrame.clusterId("fixture"));
        final byte[] f = fixture("heartbeat-v1.hex");
        assertEquals(Result.BAD_MAC, other.decode(f, 0, f.length, ALL));
    }

    @Test
    void anotherClusterIsForeign() throws IOException {
        final HeartbeatFrame other = new HeartbeatFrame(fixtureKey(), HeartbeatFrame.clusterId("other"));
        final byte[] f = fixture("heartbeat-v1.hex");
        assertEquals(Result.FOREIGN_CLUSTER, other.decode(f, 0, f.length, ALL));
    }

    @Test
    void everyTruncationIsTruncated() throws IOException {
        final byte[] f = fixture("heartbeat-v1.hex");
        for (int len = 0; len < f.length; len++) {
            assertEquals(Result.TRUNCATED, codec.decode(f, 0, len, ALL), "length " + len);
        }
    }

    @Test
    void trailingBytesOrAnOversizePayloadLengthAreBadLength() throws IOException {
        final byte[] f = Arrays.copyOf(fixture("heartbeat-v1.hex"), 60);
        assertEquals(Result.BAD_LENGTH, codec.decode(f, 0, 50, ALL));
        f[HeartbeatFrame.OFF_PAYLOAD_LENGTH] = (byte) 0xff;
        assertEquals(Result.BAD_LENGTH, codec.decode(f, 0, 60, ALL));
    }

    @Test
    void wrongMagicOrVersionAreToldApart() throws IOException {
        final byte[] f = fixture("heartbeat-v1.hex");
        f[HeartbeatFrame.OFF_VERSION] = 2;
        assertEquals(Result.BAD_VERSION, codec.decode(f, 0, f.length, ALL));
        final byte[] g = fixture("heartbeat-v1.hex");
        g[0] = 'G';
        assertEquals(Result.BAD_MAGIC, codec.decode(g, 0, g.length, ALL));
        assertEquals(Result.BAD_MAGIC, codec.decode("GET / HTTP".getBytes(StandardCharsets.US_ASCII), 0, 10, ALL));
    }

    @Test
    void anAuthenticFrameFromAnUnconfiguredSenderIsUnknown() throws IOException {
        final byte[] f = fixture("heartbeat-v1.hex");
        assertEquals(Result.UNKNOWN_SENDER, codec.decode(f, 0, f.length, ALL & ~(1 << 3)));
    }

    @Test
    void encodingRejectsProgrammingErrors() {
        final byte[] dst = new byte[2000];
        final byte[] p = new byte[2000];
        assertThrows(IllegalArgumentException.class, () -> codec.encode(dst, 0, 1, 0, 16, 1, 1, p, 0, 0));
        assertThrows(IllegalArgumentException.class,
            () -> codec.encode(dst, 0, 1, 0, 0, 1, 1, p, 0, HeartbeatFrame.MAX_PAYLOAD_LENGTH + 1));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(new byte[40], 0, 1, 0, 0, 1, 1, p, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new HeartbeatFrame(new byte[15], 1));
    }
}
