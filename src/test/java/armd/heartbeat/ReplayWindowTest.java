package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.wire.HeartbeatFrame.Result;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    private final ReplayWindow w = new ReplayWindow(16);

    @Test
    void eachSequenceIsAcceptedOnce() {
        assertEquals(Result.OK, w.check(1, 100, 1));
        assertEquals(Result.REPLAY, w.check(1, 100, 1));
        assertEquals(Result.OK, w.check(1, 100, 2));
        assertEquals(Result.REPLAY, w.check(1, 100, 2));
        assertEquals(Result.REPLAY, w.check(1, 100, 1));
    }

    @Test
    void reorderingWithinTheWindowIsAccepted() {
        assertEquals(Result.OK, w.check(2, 7, 10));
        assertEquals(Result.OK, w.check(2, 7, 8));
        assertEquals(Result.OK, w.check(2, 7, 9));
        assertEquals(Result.OK, w.check(2, 7, 12));
        assertEquals(Result.OK, w.check(2, 7, 11));
        assertEquals(Result.REPLAY, w.check(2, 7, 9));
        assertEquals(Result.REPLAY, w.check(2, 7, 12));
        assertEquals(12, w.highestSequence(2));
    }

    @Test
    void aSequenceThatFellBehindTheWindowIsAReplay() {
        assertEquals(Result.OK, w.check(3, 1, 100));
        assertEquals(Result.OK, w.check(3, 1, 100 - ReplayWindow.WIDTH + 1), "the oldest slot still counts");
        assertEquals(Result.REPLAY, w.check(3, 1, 100 - ReplayWindow.WIDTH));
        assertEquals(Result.OK, w.check(3, 1, 1000), "a jump far ahead resets the bitmap");
        assertEquals(Result.OK, w.check(3, 1, 999));
        assertEquals(Result.REPLAY, w.check(3, 1, 100));
    }

    @Test
    void anOlderIncarnationIsAReplayAndANewerOneRestartsTheWindow() {
        assertEquals(Result.OK, w.check(4, 500, 40));
        assertEquals(Result.REPLAY, w.check(4, 499, 41), "an old boot's frame");
        assertEquals(Result.OK, w.check(4, 501, 1), "the peer restarted: sequences start over");
        assertEquals(501, w.incarnation(4));
        assertEquals(Result.REPLAY, w.check(4, 500, 42), "the previous boot is now old");
        assertEquals(Result.OK, w.check(4, 501, 2));
    }

    @Test
    void sendersAreIndependent() {
        assertEquals(Result.OK, w.check(5, 1, 1));
        assertEquals(Result.OK, w.check(6, 1, 1));
        assertEquals(false, w.known(7));
    }
}
