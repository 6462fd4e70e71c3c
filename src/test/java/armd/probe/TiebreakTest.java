package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The tiebreak's arguments (the checks themselves run against namespaces in TiebreakIT). */
class TiebreakTest {
    private static final InetAddress GW = InetAddress.ofLiteral("192.0.2.254");

    @Test
    void needsTargetsAndANeededCountTheyCanMeet() {
        assertThrows(IllegalArgumentException.class, () -> new Tiebreak(List.of(), 1, 200, 3));
        assertThrows(IllegalArgumentException.class, () -> new Tiebreak(List.of(GW), 0, 200, 3));
        assertThrows(IllegalArgumentException.class, () -> new Tiebreak(List.of(GW), 2, 200, 3));
        assertThrows(IllegalArgumentException.class, () -> new Tiebreak(List.of(GW), 1, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Tiebreak(List.of(GW), 1, 200, 0));
        assertThrows(IllegalArgumentException.class, () -> new Tiebreak(Collections.nCopies(17, GW), 1, 200, 3));
        final Tiebreak t = new Tiebreak(List.of(GW), 1, 200, 3);
        assertEquals(List.of(GW), t.targets());
        assertEquals(1, t.needed());
    }
}
