package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Arrays;

/**
 * Super cluster datagrams as they arrive from the network, coverage-guided (Jazzer; {@code scripts/fuzz} fuzzes,
 * the unit tests replay the corpus in {@code SuperFrameFuzzTestInputs}, seeded with one frame of every type
 * without its MAC). Every input is decoded as received and again with a valid MAC appended, so the fuzzer reaches
 * the bodies behind authentication. Properties: no exception; a drop has a reason; the answer depends only on the
 * range's bytes; an accepted frame encodes back to exactly its bytes; a validly signed frame is never a MAC drop.
 */
class SuperFrameFuzzTest {
    /** The key and super cluster of the corpus's seeds. */
    private static final byte[] KEY = new byte[32];
    private static final int GUARD = 8;

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) i;
        }
    }

    private final SuperFrame codec = SuperFrame.of(KEY, "fixture");
    private final HmacSha256 hmac = new HmacSha256(KEY);

    @FuzzTest(maxDuration = "10s")
    void frame(final byte[] data) {
        check(data);
        final int body = data.length;
        if (body >= SuperFrame.HEADER_LENGTH && body + SuperFrame.MAC_LENGTH <= SuperFrame.MAX_FRAME_LENGTH) {
            final byte[] signed = Arrays.copyOf(data, body + SuperFrame.MAC_LENGTH);
            hmac.mac(signed, 0, body, signed, body, SuperFrame.MAC_LENGTH);
            final SuperFrame.Decoded d = check(signed);
            assertNotEquals(SuperFrame.Reason.BAD_MAC, d.reason(), "a frame with a valid MAC");
        }
    }

    /** Decodes {@code frame} alone and between guard bytes: the answers must agree. */
    private SuperFrame.Decoded check(final byte[] frame) {
        final SuperFrame.Decoded alone = codec.decode(frame);
        if (alone.ok()) {
            assertArrayEquals(frame, codec.encode(alone.frame()), "an accepted frame re-encodes");
        } else {
            assertNotNull(alone.reason());
        }
        for (final byte pattern : new byte[] {0, (byte) 0xff}) {
            final byte[] padded = new byte[GUARD + frame.length + GUARD];
            Arrays.fill(padded, pattern);
            System.arraycopy(frame, 0, padded, GUARD, frame.length);
            assertEquals(alone, codec.decode(padded, GUARD, frame.length), "guard bytes changed the answer");
        }
        return alone;
    }
}
