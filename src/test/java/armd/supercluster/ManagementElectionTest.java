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
        assertNull(m2.tryForceReturn(t));
        assertTrue(m2.accepting(t));
        assertTrue(m2.forced());
        // hearing m1 again (its VOTE answers m2's HELLO) ends it
        final ManagementElection m1again = election("m1", t);
        final Outgoing hello = m2.tick(t + S).get(0);
        final Outgoing vote = m1again.received("m2", hello.nonce(), hello.body(), t + S).get(0);
        m2.received("m1", vote.nonce(), vote.body(), t + S);
        assertFalse(m2.forced());
        assertFalse(m2.accepting(t + S));
    }

    @Test
    void aReplayedHelloOfACrashedServerDoesNotMakeItHeardNorEndForcedReturn() {
        final ManagementElection m1 = election("m1", 0);
        final ManagementElection m2 = election("m2", 0);
        exchange(m1, m2, 0, 5);
        // a HELLO of m1 captured on the wire, just before m1 crashes
        final Outgoing captured = m1.tick(5 * S).get(0);
        for (long t = 5 * S; t < 12 * S; t += S / 10) {
            m2.tick(t);
        }
        final long t = 12 * S;
        assertEquals(1, m2.answering(t));
        assertNull(m2.tryForceReturn(t));
        final List<Outgoing> answer = m2.received("m1", captured.nonce(), captured.body(), t + S / 10);
        assertEquals(1, answer.size(), "a HELLO is still answered with a VOTE");
        assertTrue(answer.get(0).body() instanceof SuperFrame.Vote v && !v.granted(), "but not granted");
        assertTrue(m2.forced(), "a replay does not end forced return");
        assertTrue(m2.accepting(t + S / 10));
        assertEquals(1, m2.answering(t + S / 10), "a replay does not count as hearing m1");
        assertEquals("m2", m2.votesFor(t + S / 10));
    }

    @Test
    void aReplayedHelloDoesNotMakeAServerNeverHeardAlive() {
        final ManagementElection m1 = election("m1", 0);
        final ManagementElection m2 = election("m2", 0);
        final Outgoing captured = m1.tick(0).get(0);
        for (long t = 0; t < 8 * S; t += S / 2) {
            m2.tick(t);
            m2.received("m1", captured.nonce(), captured.body(), t);
        }
        assertEquals(1, m2.answering(8 * S));
        assertEquals("m2", m2.votesFor(8 * S), "m2 established after the startup wait, alone");
        assertEquals("m2", m2.holder(8 * S));
    }

    @Test
    void aRestartedServerIsHeardWithinOneHelloRoundTrip() {
        final ManagementElection m1 = election("m1", 0);
        final ManagementElection m2 = election("m2", 0);
        exchange(m1, m2, 0, 5);
        final long t = 20 * S;
        final ManagementElection m1again = election("m1", t);
        // m1's first HELLO, answered: m1 hears m2 at once
        for (final Outgoing hello : m1again.tick(t)) {
            for (final Outgoing vote : m2.received("m1", hello.nonce(), hello.body(), t)) {
                m1again.received("m2", vote.nonce(), vote.body(), t);
            }
        }
        assertEquals(2, m1again.answering(t));
        // m2 (its last word from m1 long ago) hears m1 with its next HELLO, within one interval
        assertEquals(1, m2.answering(t));
        for (long u = t; u <= t + ManagementElection.HELLO_INTERVAL_NS; u += S / 10) {
            for (final Outgoing hello : m2.tick(u)) {
                for (final Outgoing vote : m1again.received("m2", hello.nonce(), hello.body(), u)) {
                    m2.received("m1", vote.nonce(), vote.body(), u);
                }
            }
        }
        assertEquals(2, m2.answering(t + ManagementElection.HELLO_INTERVAL_NS));
    }

    @Test
    void forcedReturnIsRefusedWhileTheVoteIsPromisedToAnotherServer() {
        // a short role timeout: m1 no longer heard while m2's promise to it still runs
        final ManagementElection.Timing timing = new ManagementElection.Timing(S / 2, S, 3 * S, S / 5, 2 * S);
        final ManagementElection m1 = new ManagementElection("m1", masters, timing, nonces::incrementAndGet, 0);
        final ManagementElection m2 = new ManagementElection("m2", masters, timing, nonces::incrementAndGet, 0);
        exchange(m1, m2, 0, 5);
        assertEquals("m1", m2.promisedTo(5 * S));
        final long t = 5 * S + 3 * S / 2;
        m2.tick(t);
        assertEquals(1, m2.answering(t));
        final String refused = m2.tryForceReturn(t);
        assertTrue(refused != null && refused.contains("promised its vote to m1"), refused);
        assertFalse(refused.contains("\n"));
        assertFalse(m2.forced());
        assertFalse(m2.accepting(t));
        // the promise over, it is taken
        assertNull(m2.forceReturn(5 * S + 3 * S));
        assertTrue(m2.accepting(5 * S + 3 * S));
    }

    @Test
    void forcedReturnIsRefusedWhileAnotherServerAnswers() {
        // a short lease: the promise to m1 is over while m1 is still heard
        final ManagementElection.Timing timing = new ManagementElection.Timing(S / 2, 3 * S, S, S / 5, 2 * S);
        final ManagementElection m1 = new ManagementElection("m1", masters, timing, nonces::incrementAndGet, 0);
        final ManagementElection m2 = new ManagementElection("m2", masters, timing, nonces::incrementAndGet, 0);
        exchange(m1, m2, 0, 5);
        final long t = 5 * S + 3 * S / 2;
        assertEquals("", m2.promisedTo(t));
        assertEquals(2, m2.answering(t));
        final String refused = m2.tryForceReturn(t);
        assertTrue(refused != null && refused.contains("2 of 2 master servers answer (m1 heard"), refused);
        assertFalse(m2.forced());
    }

    @Test
    void forcedReturnRightAfterAStartTakesEffectAfterTheLeaseTime() {
        final ManagementElection m2 = election("m2", 0);
        assertNull(m2.tryForceReturn(S));
        assertTrue(m2.forced());
        assertFalse(m2.accepting(2 * S), "it may have promised its vote to m1 just before it restarted");
        assertTrue(m2.notAcceptingReason(2 * S).startsWith("forced return takes effect in 1000 ms"),
            m2.notAcceptingReason(2 * S));
        assertTrue(m2.accepting(3 * S));
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
