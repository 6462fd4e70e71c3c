package armd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import armd.wire.ControlCodec;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Refusals of typed requests are one line whatever the request holds (a fuzzing finding). */
class ControlRequestTest {

    private static String refusal(final int type, final String... fields) {
        return assertThrows(ControlRequest.InvalidException.class,
            () -> ControlRequest.of(new ControlCodec.Message(type, 0, 0, List.of(fields)))).getMessage();
    }

    @Test
    void aRefusedValueIsQuotedOnOneLine() {
        assertEquals("script must be start, stop or empty, not 's\\n4ar'",
            refusal(ControlCodec.REQ_LOG, "", "s\n4ar", "message"));
        assertEquals("group name 'a\\u001b[2Jb' contains a space or control character",
            refusal(ControlCodec.REQ_GROUP_STOP, "a\u001b[2Jb"));
        assertEquals("action must be failover or restart, not '" + "x".repeat(64) + "'...",
            refusal(ControlCodec.REQ_LOAD, "A", "app", "42", "x".repeat(1000), "1", "0", "/bin/app"));
    }
}
