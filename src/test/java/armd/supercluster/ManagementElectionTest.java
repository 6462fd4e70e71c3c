package armd.supercluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.SuperFrame;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The election's rules between two master servers wired by hand (the simulation covers the rest). */
class ManagementElectionTest {
    private static final long S = 1_000_000_000L;
    private final AtomicLong nonces = new AtomicLong(100);
    private final List<String> masters = List.of("m1", "m2");

    private ManagementElection election(final String self, final long now) {
        return new ManagementElection(self, masters, ManagementElection.Timing.standard(), nonces::incrementAndGet,
            now);
    }

    /** Delivers everything {@code a} and {@code b} send each other for {@code seconds}, 100 ms steps. */
    private static void exchange(final ManagementElection a, final ManagementElection b, final long from,
                                 final long seconds) {
        for (long t = from; t < from + seconds * S; t += S / 10) {
            for (final Outgoing hello : a.tick(t)) {
                for (final Outgoing vote : b.received(a.self(), hello.nonce(), hello.body(), t)) {
                    a.received(b.self(), vote.nonce(), vote.body(), t);
                }
            }
            for (final Outgoing hello : b.tick(t)) {
                for (final Outgoing vote : a.received(b.self(), hello.nonce(), hello.body(), t)) {
                    b.received(a.self(), vote.nonce(), vote.body(), t);
                }
            }
        }
    }

    @Test
    void theFirstMasterServerTakesTheRoleAfterTheRestartWait() {
        final ManagementElection m1 = election("m1", 0);
        final ManagementElection m2 = election("m2", 0);
        exchange(m1, m2, 0, 2);
        assertFalse(m1.accepting(2 * S), "no grants in the first lease time after a start");
        exchange(m1, m2, 2 * S, 3);
        assertTrue(m1.accepting(5 * S), m1.notAcceptingReason(5 * S));
        assertFalse(m2.accepting(5 * S));
        assertEquals("m1", m2.holder(5 * S));
        assertEquals("m1", m1.holder(5 * S));
        assertTrue(m2.mayStoreReplicaFrom("m1", 5 * S));
        assertFalse(m1.mayStoreReplicaFrom("m2", 5 * S));
    }

    @Test
    void withoutItsPeerAServerServesCopiesOnlyUntilForcedReturn() {
        final ManagementElection m1 = election("m1", 0);
        final ManagementElection m2 = election("m2", 0);
        exchange(m1, m2, 0, 5);
        // m1 stops: m2 stops hearing it; its grant to m1 and m1's role time out
        for (long t = 5 * S; t < 12 * S; t += S / 10) {
            m2.tick(t);
        }
        final long t = 12 * S;
        assertEquals("m2", m2.holder(t));
        assertFalse(m2.accepting(t));
        assertEquals("changes need a majority of the master cluster (1 of 2 master servers answer)",
            m2.notAcceptingReason(t));
        m2.forceReturn(t);
        assertTrue(m2.accepting(t));
        assertTrue(m2.forced());
        // hearing m1 again ends it
        m2.received("m1", 1, new SuperFrame.Hello(List.of(), false, ""), t + S);
        assertFalse(m2.forced());
        assertFalse(m2.accepting(t + S));
    }

    @Test
    void aVoteNotAnsweringAnOutstandingHelloGivesNoLease() {
        final ManagementElection m1 = election("m1", 0);
        m1.tick(0);
        m1.received("m2", 424242, new SuperFrame.Vote(true, "m1", List.of()), 4 * S);
        assertEquals(0, m1.leases(4 * S));
    }

    @Test
    void aVoterAheadMustBeSyncedFromBeforeAccepting() {
        final ManagementElection m1 = election("m1", 0);
        final ManagementElection m2 = election("m2", 0);
        final byte[] sha = SuperFrame.sha256(new byte[] {1});
        m2.committed(List.of(new SuperFrame.Committed("west", 3, sha)));
        exchange(m1, m2, 0, 5);
        assertFalse(m1.accepting(5 * S));
        assertEquals("syncing: fetching cluster west version 3 from m2", m1.notAcceptingReason(5 * S));
        assertEquals(List.of(new ManagementElection.SyncTarget("west", 3, "m2")), m1.syncTargets(5 * S));
        m1.committed(new SuperFrame.Committed("west", 3, sha));
        assertNull(m1.notAcceptingReason(5 * S));
        assertEquals(List.of(), m1.syncTargets(5 * S));
    }
}
