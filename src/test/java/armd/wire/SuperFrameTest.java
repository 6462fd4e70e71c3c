package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.SuperFrame.Body;
import armd.wire.SuperFrame.Committed;
import armd.wire.SuperFrame.Decoded;
import armd.wire.SuperFrame.Frame;
import armd.wire.SuperFrame.Outcome;
import armd.wire.SuperFrame.Reason;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

class SuperFrameTest {
    static final byte[] KEY = new byte[32];
    static final byte[] CONFIG = "[cluster]\nname = west\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] SHA = SuperFrame.sha256(CONFIG);

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i + 1);
        }
    }

    private final SuperFrame codec = SuperFrame.of(KEY, "site");

    /** One frame of every type (and the variants of the ones with options). */
    static List<Body> bodies() {
        final List<Committed> committed = List.of(new Committed("west", 4, SHA), new Committed("east", 1, SHA));
        return List.of(
            new SuperFrame.Hello(committed, true, "m1"),
            new SuperFrame.Hello(List.of(), false, ""),
            new SuperFrame.Vote(true, "m1", committed),
            new SuperFrame.Vote(false, "", List.of()),
            new SuperFrame.Fetch("west", 0),
            new SuperFrame.Fetch("west", 7),
            new SuperFrame.Config("west", 5, SHA, CONFIG),
            new SuperFrame.NotHolder("west", "m2"),
            new SuperFrame.NotHolder("west", ""),
            new SuperFrame.None("west"),
            new SuperFrame.Current("west", 5),
            new SuperFrame.Push("west", 0, CONFIG),
            new SuperFrame.Push("west", 3, new byte[0]),
            new SuperFrame.PushResult("west", Outcome.ACCEPTED, 4, 2, 3, "m1", "cluster west: version 4 stored"),
            new SuperFrame.PushResult("west", Outcome.INVALID, 0, 0, 2, "m1", "a.conf:3: bad\na.conf:9: worse"),
            new SuperFrame.Replicate("west", 6, SHA, CONFIG),
            new SuperFrame.Stored("west", 6, true, 6),
            new SuperFrame.Stored("west", 6, false, 9));
    }

    static Frame frame(final Body body) {
        return new Frame("m1", 0x0123456789abcdefL, body);
    }

    @Test
    void everyTypeRoundTrips() {
        final Set<SuperFrame.Type> seen = EnumSet.noneOf(SuperFrame.Type.class);
        for (final Body body : bodies()) {
            final byte[] bytes = codec.encode(frame(body));
            final Decoded d = codec.decode(bytes);
            assertTrue(d.ok(), body + ": " + d);
            assertEquals(frame(body), d.frame());
            assertArrayEquals(bytes, codec.encode(d.frame()), "re-encodes to the same bytes");
            seen.add(d.frame().body().type());
        }
        assertEquals(EnumSet.allOf(SuperFrame.Type.class), seen);
    }

    @Test
    void decodesInsideALargerArray() {
        final byte[] bytes = codec.encode(frame(bodies().get(0)));
        final byte[] padded = new byte[bytes.length + 10];
        Arrays.fill(padded, (byte) 0x5a);
        System.arraycopy(bytes, 0, padded, 3, bytes.length);
        assertEquals(frame(bodies().get(0)), codec.decode(padded, 3, bytes.length).frame());
    }

    @Test
    void everyTruncationIsDropped() {
        for (final Body body : bodies()) {
            final byte[] bytes = codec.encode(frame(body));
            for (int n = 0; n < bytes.length; n++) {
                final Decoded d = codec.decode(Arrays.copyOf(bytes, n));
                assertFalse(d.ok(), body + " cut to " + n);
                assertTrue(d.reason() == Reason.TRUNCATED || d.reason() == Reason.BAD_MAC, body + " cut to " + n
                    + ": " + d.reason());
            }
        }
    }

    @Test
    void everyFlippedBitIsDropped() {
        for (final Body body : List.of(bodies().get(0), bodies().get(6), bodies().get(13))) {
            final byte[] bytes = codec.encode(frame(body));
            for (int bit = 0; bit < bytes.length * 8; bit++) {
                final byte[] bad = bytes.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                final Decoded d = codec.decode(bad);
                assertFalse(d.ok(), body + " bit " + bit);
                assertNotNull(d.reason());
            }
        }
    }

    @Test
    void anotherKeyIsABadMac() {
        final byte[] other = KEY.clone();
        other[0] ^= 1;
        final byte[] bytes = SuperFrame.of(other, "site").encode(frame(bodies().get(0)));
        assertEquals(Reason.BAD_MAC, codec.decode(bytes).reason());
    }

    @Test
    void anotherSuperClusterIsForeign() {
        final byte[] bytes = SuperFrame.of(KEY, "other-site").encode(frame(bodies().get(0)));
        assertEquals(Reason.FOREIGN, codec.decode(bytes).reason());
        assertFalse(SuperFrame.superClusterId("site") == SuperFrame.superClusterId("other-site"));
    }

    @Test
    void otherVersionsAndMagicAreToldApart() {
        final byte[] bytes = codec.encode(frame(bodies().get(0)));
        final byte[] v2 = bytes.clone();
        v2[4] = 2;
        assertEquals(Reason.BAD_VERSION, codec.decode(v2).reason());
        final byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertEquals(Reason.BAD_MAGIC, codec.decode(magic).reason());
        assertEquals(Reason.BAD_MAGIC, codec.decode(new byte[] {1, 2}).reason());
        assertEquals(Reason.TRUNCATED, codec.decode(new byte[] {'A', 'R'}).reason());
        assertEquals(Reason.TRUNCATED, codec.decode(new byte[0]).reason());
    }

    @Test
    void oversizeIsDroppedBeforeAnythingElse() {
        assertEquals(Reason.OVERSIZE, codec.decode(new byte[SuperFrame.MAX_FRAME_LENGTH + 1]).reason());
        final byte[] biggest = new byte[SuperFrame.MAX_CONFIG_LENGTH];
        final byte[] bytes = codec.encode(frame(new SuperFrame.Push("west", 0, biggest)));
        assertTrue(bytes.length <= SuperFrame.MAX_FRAME_LENGTH);
        assertTrue(codec.decode(bytes).ok());
    }

    @Test
    void encodingRefusesWhatTheFormatCannotCarry() {
        final byte[] tooBig = new byte[SuperFrame.MAX_CONFIG_LENGTH + 1];
        assertThrows(IllegalArgumentException.class,
            () -> codec.encode(frame(new SuperFrame.Push("west", 0, tooBig))));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(
            new Frame("a-name-longer-than-thirty-two-bytes", 1, new SuperFrame.None("west"))));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(frame(new SuperFrame.Fetch("", 0))));
        assertThrows(IllegalArgumentException.class,
            () -> codec.encode(frame(new SuperFrame.Config("west", 1, new byte[32], CONFIG))));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(frame(new SuperFrame.Current("west", -1))));
        assertThrows(IllegalArgumentException.class, () -> new SuperFrame(new byte[8], 1));
    }

    /** An authentic frame whose body is wrong (a bug or a newer peer) is MALFORMED, with a detail. */
    @Test
    void authenticButMalformedBodiesAreNamed() {
        final byte[] good = codec.encode(frame(new SuperFrame.Config("west", 5, SHA, CONFIG)));
        final int macAt = good.length - SuperFrame.MAC_LENGTH;
        // the last configuration byte changed and the MAC redone: the sha256 no longer matches
        final byte[] edited = good.clone();
        edited[macAt - 1] ^= 1;
        resign(edited);
        final Decoded d = codec.decode(edited);
        assertEquals(Reason.MALFORMED, d.reason());
        assertTrue(d.detail().contains("sha256"), d.detail());
        // an unknown type
        final byte[] type = good.clone();
        type[5] = 99;
        resign(type);
        assertEquals(Reason.MALFORMED, codec.decode(type).reason());
        // bytes after the body
        final byte[] longer = Arrays.copyOf(good, good.length + 1);
        System.arraycopy(good, macAt, longer, macAt + 1, SuperFrame.MAC_LENGTH);
        longer[macAt] = 0;
        resign(longer);
        assertEquals(Reason.MALFORMED, codec.decode(longer).reason());
    }

    private static void resign(final byte[] frame) {
        final int macAt = frame.length - SuperFrame.MAC_LENGTH;
        new HmacSha256(KEY).mac(frame, 0, macAt, frame, macAt, SuperFrame.MAC_LENGTH);
    }
}
