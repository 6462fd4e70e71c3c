package armd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.ControlCodec;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

/**
 * Control requests as the agent reads them from its socket, coverage-guided (Jazzer; {@code scripts/fuzz}
 * fuzzes, the unit tests replay the corpus in {@code ControlRequestFuzzTestInputs}, seeded from
 * fixtures/control). The bytes go the agent's way (header, header checks, exactly the declared payload,
 * fields, typed request) and the client's way ({@link ControlCodec#decode}). Properties: no exception but the
 * documented {@link ControlCodec.MalformedException} and {@link ControlRequest.InvalidException}, each with a
 * one-line message; decoding stays inside the declared payload; a request that is accepted encodes back to a
 * message that is read as the same request.
 */
class ControlRequestFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void request(final byte[] data) {
        asTheAgentReadsIt(data);
        try {
            final ControlCodec.Message m = ControlCodec.decode(ByteBuffer.wrap(data));
            assertEquals(ControlCodec.fieldCount(m.type()), m.fields().size());
        } catch (ControlCodec.MalformedException e) {
            oneLine(e.getMessage());
        }
    }

    private static void asTheAgentReadsIt(final byte[] data) {
        final ByteBuffer buf = ByteBuffer.wrap(data);
        final ControlCodec.Message message;
        try {
            final ControlCodec.Header h = ControlCodec.decodeHeader(buf);
            ControlCodec.checkRequestHeader(h);
            if (buf.remaining() < h.payloadLength()) {
                return; // the agent waits for the rest, then drops the connection at its read deadline
            }
            final int end = buf.position() + (int) h.payloadLength();
            final ByteBuffer payload = buf.slice(buf.position(), (int) h.payloadLength());
            message = new ControlCodec.Message(h.type(), h.flags(), h.status(),
                ControlCodec.decodeFields(h.type(), payload));
            assertTrue(buf.position() <= end);
        } catch (ControlCodec.MalformedException e) {
            oneLine(e.getMessage());
            return;
        }
        final ControlRequest request;
        try {
            request = ControlRequest.of(message);
        } catch (ControlRequest.InvalidException e) {
            oneLine(e.getMessage());
            return;
        }
        final byte[] encoded = ControlCodec.encode(request.toMessage());
        try {
            assertEquals(request, ControlRequest.of(ControlCodec.decode(ByteBuffer.wrap(encoded))));
        } catch (ControlCodec.MalformedException | ControlRequest.InvalidException e) {
            throw new AssertionError("accepted request " + request + " does not read back: " + e.getMessage(), e);
        }
    }

    private static void oneLine(final String message) {
        assertFalse(message == null || message.isEmpty(), "no message");
        assertTrue(message.chars().noneMatch(c -> c == '\n' || c == '\r'), message);
    }
}
