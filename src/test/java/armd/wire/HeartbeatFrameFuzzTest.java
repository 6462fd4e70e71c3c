package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Arrays;

/**
 * Heartbeat frames as they arrive from the network, coverage-guided (Jazzer; {@code scripts/fuzz} fuzzes, the
 * unit tests replay the corpus in {@code HeartbeatFrameFuzzTestInputs}). Every input is checked as received
 * and again with a valid MAC appended, so the fuzzer also reaches what follows authentication. Properties: no
 * exception; the answer depends only on the frame's own bytes (decode reads nothing around it); an accepted
 * frame lies inside its bytes and encodes back to exactly them; a frame with a valid MAC is never a MAC drop.
 */
class HeartbeatFrameFuzzTest {
    /** The key and cluster of fixtures/heartbeat-v1.hex, so that the fixture is a valid seed. */
    private static final byte[] KEY = new byte[32];
    private static final int CLUSTER_ID = HeartbeatFrame.clusterId("fixture");
    private static final int GUARD = 8;
    /** Every server but 0 is a peer. */
    private static final int PEERS = 0xfffe;

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) i;
        }
    }

    private final HeartbeatFrame codec = new HeartbeatFrame(KEY, CLUSTER_ID);
    private final HmacSha256 hmac = new HmacSha256(KEY);

    @FuzzTest(maxDuration = "10s")
    void frame(final byte[] data) {
        check(data);
        final int body = data.length;
        if (body >= HeartbeatFrame.HEADER_LENGTH
            && body + HeartbeatFrame.MAC_LENGTH <= HeartbeatFrame.MAX_FRAME_LENGTH) {
            final byte[] signed = Arrays.copyOf(data, body + HeartbeatFrame.MAC_LENGTH);
            hmac.mac(signed, 0, body, signed, body, HeartbeatFrame.MAC_LENGTH);
            assertNotEquals(HeartbeatFrame.Result.BAD_MAC, check(signed), "a frame with a valid MAC");
        }
    }

    /** Decodes {@code frame} alone and between guard bytes of two patterns: the three answers must agree. */
    private HeartbeatFrame.Result check(final byte[] frame) {
        final HeartbeatFrame.Result alone = codec.decode(frame, 0, frame.length, PEERS);
        final long[] fields = alone == HeartbeatFrame.Result.OK ? accepted(frame, 0) : null;
        for (final byte pattern : new byte[] {0, (byte) 0xff}) {
            final byte[] padded = new byte[GUARD + frame.length + GUARD];
            Arrays.fill(padded, pattern);
            System.arraycopy(frame, 0, padded, GUARD, frame.length);
            assertEquals(alone, codec.decode(padded, GUARD, frame.length, PEERS), "guard bytes changed the answer");
            if (fields != null) {
                assertArrayEquals(fields, accepted(padded, GUARD));
            }
        }
        return alone;
    }

    /** The fields of the frame just accepted at {@code offset} of {@code src}, after checking its bounds. */
    private long[] accepted(final byte[] src, final int offset) {
        final int payloadOffset = codec.payloadOffset();
        final int payloadLength = codec.payloadLength();
        final int length = HeartbeatFrame.frameLength(payloadLength);
        assertEquals(offset + HeartbeatFrame.HEADER_LENGTH, payloadOffset);
        assertTrue(codec.senderId() >= 1 && codec.senderId() <= HeartbeatFrame.MAX_SENDER_ID);
        final byte[] again = new byte[length];
        final byte[] payload = Arrays.copyOfRange(src, payloadOffset, payloadOffset + payloadLength);
        assertEquals(length, codec.encode(again, 0, codec.type(), codec.flags(), codec.senderId(),
            codec.incarnation(), codec.sequence(), payload, 0, payloadLength));
        assertArrayEquals(Arrays.copyOfRange(src, offset, offset + length), again, "an accepted frame re-encodes");
        return new long[] {codec.type(), codec.flags(), codec.senderId(), codec.incarnation(), codec.sequence(),
            payloadLength};
    }
}
