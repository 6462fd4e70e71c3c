package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.DiskBeat.Result;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class DiskBeatTest {
    private static final long INCARNATION = 0x0102030405060708L;
    private static final long GROUPS = 0x8000000000000005L;

    private static byte[] fixtureKey() {
        final byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    /** The fixture's 52 bytes at the start of a 512-byte sector of zeros. */
    private static byte[] sector() throws IOException {
        try (InputStream in = DiskBeatTest.class.getResourceAsStream("/fixtures/disk-beat-v1.hex")) {
            final String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            final String hex = text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining())
                .replaceAll("\\s", "");
            final byte[] beat = HexFormat.of().parseHex(hex);
            assertEquals(DiskBeat.LENGTH, beat.length);
            return Arrays.copyOf(beat, 512);
        }
    }

    private final DiskBeat codec = new DiskBeat(fixtureKey(), HeartbeatFrame.clusterId("fixture"));

    @Test
    void theVersion1FixtureDecodes() throws IOException {
        final byte[] s = sector();
        assertEquals(Result.OK, codec.decode(s, 0, 2));
        assertEquals(2, codec.senderId());
        assertEquals(1, codec.serverState());
        assertEquals(0, codec.flags());
        assertEquals(INCARNATION, codec.incarnation());
        assertEquals(42, codec.sequence());
        assertEquals(GROUPS, codec.heldGroups());
    }

    @Test
    void encodingReproducesTheFixtureSectorExactly() throws IOException {
        final byte[] dst = new byte[600];
        Arrays.fill(dst, (byte) 0x5a);
        assertEquals(512, codec.encode(dst, 7, 512, 2, 1, 0, INCARNATION, 42, GROUPS));
        assertArrayEquals(sector(), Arrays.copyOfRange(dst, 7, 7 + 512), "the rest of the sector is zeroed");
        assertEquals(0x5a, dst[6]);
        assertEquals(0x5a, dst[7 + 512]);
    }

    @Test
    void aBeatFitsTheSmallestSectorAndA4kOne() {
        final byte[] dst = new byte[4096];
        codec.encode(dst, 0, 4096, 15, 255, 255, -1L, -1L, -1L);
        assertEquals(Result.OK, codec.decode(dst, 0, 15));
        assertEquals(-1L, codec.incarnation());
        assertEquals(-1L, codec.heldGroups());
        assertEquals(255, codec.serverState());
        assertEquals(255, codec.flags());
    }

    @Test
    void everyChangedByteOfTheBeatIsBadMacOrRefusedEarlier() throws IOException {
        for (int i = 0; i < DiskBeat.LENGTH; i++) {
            final byte[] s = sector();
            s[i] ^= 0x10;
            final Result r = codec.decode(s, 0, 2);
            final Result expected = i < DiskBeat.OFF_VERSION ? Result.BAD_MAGIC
                : i == DiskBeat.OFF_VERSION ? Result.BAD_VERSION
                : i >= DiskBeat.OFF_CLUSTER && i < DiskBeat.OFF_INCARNATION ? Result.FOREIGN_CLUSTER
                : Result.BAD_MAC;
            assertEquals(expected, r, "byte " + i);
        }
    }

    @Test
    void bytesAfterTheBeatAreIgnored() throws IOException {
        final byte[] s = sector();
        Arrays.fill(s, DiskBeat.LENGTH, s.length, (byte) 0xff);
        assertEquals(Result.OK, codec.decode(s, 0, 2));
    }

    @Test
    void aZeroSectorIsBlankAndOtherDataIsBadMagic() {
        assertEquals(Result.BLANK, codec.decode(new byte[512], 0, 0));
        final byte[] ext4 = new byte[512];
        ext4[0] = 'G';
        assertEquals(Result.BAD_MAGIC, codec.decode(ext4, 0, 0));
    }

    @Test
    void anotherKeyIsBadMacAndAnotherClusterIsForeign() throws IOException {
        final byte[] key = fixtureKey();
        key[31] ^= 1;
        assertEquals(Result.BAD_MAC, new DiskBeat(key, HeartbeatFrame.clusterId("fixture")).decode(sector(), 0, 2));
        assertEquals(Result.FOREIGN_CLUSTER,
            new DiskBeat(fixtureKey(), HeartbeatFrame.clusterId("other")).decode(sector(), 0, 2));
    }

    @Test
    void anAuthenticBeatInAnotherServersSectorIsWrongSender() throws IOException {
        assertEquals(Result.WRONG_SENDER, codec.decode(sector(), 0, 3));
    }

    @Test
    void newerOrdersByIncarnationThenSequenceUnsigned() {
        assertTrue(DiskBeat.newer(5, 1, 4, 99));
        assertTrue(DiskBeat.newer(5, 2, 5, 1));
        assertFalse(DiskBeat.newer(5, 1, 5, 1), "the same beat read again");
        assertFalse(DiskBeat.newer(5, 0, 5, 1), "an older sequence");
        assertFalse(DiskBeat.newer(4, 100, 5, 1), "an older incarnation");
        assertTrue(DiskBeat.newer(-1L, 1, Long.MAX_VALUE, 1), "incarnations compare unsigned");
        assertTrue(DiskBeat.newer(1, 1, 0, 0), "anything authentic is newer than nothing");
    }

    @Test
    void encodingRejectsProgrammingErrors() {
        final byte[] dst = new byte[512];
        assertThrows(IllegalArgumentException.class, () -> codec.encode(dst, 0, 512, 16, 0, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(dst, 0, 512, 0, 256, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(dst, 0, 511, 0, 0, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(dst, 1, 512, 0, 0, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> codec.decode(dst, 480, 0));
        assertThrows(IllegalArgumentException.class, () -> new DiskBeat(new byte[15], 1));
    }
}
