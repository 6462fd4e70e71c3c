package armd.supercluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.SuperFrame;
import armd.wire.SuperFrame.Outcome;
import armd.wire.SuperFrame.PushResult;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The checks before a push is stored: the base version, and which refusal advises forced return. */
class PushCoordinatorTest {
    private static final long S = 1_000_000_000L;
    private static final String HINT = "armd super force-return";
    private final AtomicLong nonces = new AtomicLong(100);

    private ManagementElection election(final String self, final List<String> masters) {
        return new ManagementElection(self, masters, ManagementElection.Timing.standard(), nonces::incrementAndGet,
            0);
    }

    private PushCoordinator pushes(final String self, final List<String> masters) {
        return new PushCoordinator(self, masters, 2 * S, S / 2, nonces::incrementAndGet);
    }

    /** A master cluster of one server, accepting at {@code 3 s} (after its first lease time). */
    private ManagementElection alone() {
        final ManagementElection e = election("m1", List.of("m1"));
        e.tick(3 * S);
        assertTrue(e.accepting(3 * S), e.notAcceptingReason(3 * S));
        return e;
    }

    @Test
    void theBaseIsAlwaysCheckedAndZeroMeansNothingStoredYet() {
        final ManagementElection e = alone();
        final PushCoordinator p = pushes("m1", List.of("m1"));
        assertNull(p.refusal(e, "west", 0, 100, 3 * S), "nothing stored yet: base 0 goes on");
        final PushResult ahead = p.refusal(e, "west", 3, 100, 3 * S);
        assertEquals(Outcome.STALE_BASE, ahead.outcome());
        assertTrue(ahead.reason().contains("against version 3 but nothing is stored yet"), ahead.reason());

        e.committed(new SuperFrame.Committed("west", 4, SuperFrame.sha256(new byte[] {4})));
        final PushResult replayed = p.refusal(e, "west", 0, 100, 3 * S);
        assertEquals(Outcome.STALE_BASE, replayed.outcome(), "base 0 is no longer 'no check'");
        assertEquals(4, replayed.version());
        assertTrue(replayed.reason().contains("against no stored version but version 4 is current"),
            replayed.reason());
        final PushResult stale = p.refusal(e, "west", 3, 100, 3 * S);
        assertEquals(Outcome.STALE_BASE, stale.outcome());
        assertTrue(stale.reason().contains("against version 3 but version 4 is current"), stale.reason());
        assertNull(p.refusal(e, "west", 4, 100, 3 * S));
        assertNull(p.refusal(e, "east", 0, 100, 3 * S), "another cluster has its own sequence");
    }

    @Test
    void onlyAMissingMajorityAdvisesForcedReturn() {
        final List<String> masters = List.of("m1", "m2");
        final ManagementElection m1 = election("m1", masters);
        final PushCoordinator p = pushes("m1", masters);

        final PushResult starting = p.refusal(m1, "west", 0, 100, S);
        assertEquals(Outcome.NO_MAJORITY, starting.outcome());
        assertTrue(starting.reason().startsWith("refused: starting"), starting.reason());
        assertFalse(starting.reason().contains(HINT), starting.reason());

        // past the startup wait, alone: established, votes for itself, one lease of two
        m1.tick(7 * S);
        final PushResult alone = p.refusal(m1, "west", 0, 100, 7 * S);
        assertEquals(Outcome.NO_MAJORITY, alone.outcome());
        assertTrue(alone.reason().startsWith("refused: changes need a majority of the master cluster (1 of 2"),
            alone.reason());
        assertTrue(alone.reason().contains(HINT), alone.reason());

        // forced return refused from the start too: not yet in effect, no advice to do it again
        final ManagementElection fresh = election("m1", masters);
        assertNull(fresh.tryForceReturn(S));
        final PushResult forcedSoon = p.refusal(fresh, "west", 0, 100, 2 * S);
        assertTrue(forcedSoon.reason().startsWith("refused: forced return takes effect in"), forcedSoon.reason());
        assertFalse(forcedSoon.reason().contains(HINT), forcedSoon.reason());
    }

    @Test
    void syncingIsNoReasonForForcedReturn() {
        final List<String> masters = List.of("m1", "m2");
        final ManagementElection m1 = election("m1", masters);
        final ManagementElection m2 = election("m2", masters);
        m2.committed(List.of(new SuperFrame.Committed("west", 3, SuperFrame.sha256(new byte[] {3}))));
        for (long t = 0; t < 5 * S; t += S / 10) {
            for (final Outgoing hello : m1.tick(t)) {
                for (final Outgoing vote : m2.received("m1", hello.nonce(), hello.body(), t)) {
                    m1.received("m2", vote.nonce(), vote.body(), t);
                }
            }
            for (final Outgoing hello : m2.tick(t)) {
                for (final Outgoing vote : m1.received("m2", hello.nonce(), hello.body(), t)) {
                    m2.received("m1", vote.nonce(), vote.body(), t);
                }
            }
        }
        final PushResult syncing = pushes("m1", masters).refusal(m1, "west", 3, 100, 5 * S);
        assertEquals(Outcome.NO_MAJORITY, syncing.outcome());
        assertTrue(syncing.reason().startsWith("refused: syncing"), syncing.reason());
        assertFalse(syncing.reason().contains(HINT), syncing.reason());
    }
}
