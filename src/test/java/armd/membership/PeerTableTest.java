package armd.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PeerTableTest {
    private static final long MS = 1_000_000L;

    @Test
    void aPeerIsDownOnlyWhenEveryPathIsSilentPastTheTimeout() {
        final PeerTable t = new PeerTable(2, 0, 100 * MS);
        assertEquals(PeerTable.Arrival.BACK, t.onHeartbeat(1, 0, 5, 1_000 * MS));
        assertEquals(PeerTable.Arrival.SAME, t.onHeartbeat(1, 1, 5, 1_050 * MS));
        assertEquals(-1, t.expire(1_120 * MS), "path 1 was heard 70 ms ago");
        assertEquals(1, t.expire(1_151 * MS));
        assertFalse(t.alive(1));
        assertEquals(PeerTable.Arrival.BACK, t.onHeartbeat(1, 0, 5, 1_200 * MS));
    }

    @Test
    void aNewIncarnationIsARestartAndAnOlderOneIsStale() {
        final PeerTable t = new PeerTable(2, 0, 100 * MS);
        t.onHeartbeat(1, 0, 5, MS);
        assertEquals(PeerTable.Arrival.RESTARTED, t.onHeartbeat(1, 0, 6, 2 * MS));
        assertEquals(PeerTable.Arrival.STALE, t.onHeartbeat(1, 0, 5, 3 * MS));
    }

    @Test
    void aRefusedPortShortensTheTimeoutButStillNeedsSilence() {
        final PeerTable t = new PeerTable(2, 0, 100 * MS, 30 * MS);
        t.onHeartbeat(1, 0, 5, 1_000 * MS);
        t.onRefused(1, 1_005 * MS);
        assertTrue(t.refused(1));
        assertEquals(-1, t.expire(1_020 * MS), "silent 20 ms only");
        assertEquals(1_030 * MS + 1, t.nextExpiryNs(1_020 * MS));
        assertEquals(1, t.expire(1_031 * MS));
    }

    @Test
    void aHeartbeatAfterARefusalClearsIt() {
        final PeerTable t = new PeerTable(2, 0, 100 * MS, 30 * MS);
        t.onHeartbeat(1, 0, 5, 1_000 * MS);
        t.onRefused(1, 1_005 * MS);
        t.onHeartbeat(1, 0, 5, 1_010 * MS);
        assertFalse(t.refused(1));
        assertEquals(-1, t.expire(1_050 * MS));
    }
}
