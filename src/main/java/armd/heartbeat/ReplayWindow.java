package armd.heartbeat;

import armd.wire.HeartbeatFrame.Result;

/**
 * Per-sender anti-replay state (the IPsec sliding window, RFC 4303 section 3.4.3): a sender's boot incarnation
 * never goes backwards, a higher one starts a fresh window (the peer restarted), and within an incarnation each
 * sequence number is accepted once, in any order, while it is within 64 of the highest seen.
 *
 * <p>Sequences are compared as signed longs: a sender starts at 1 and counts up (2^63 frames never happen).
 * Not thread-safe: owned by the receiving thread.
 */
public final class ReplayWindow {
    /** Width of the window: a sequence this far behind the highest is too old. */
    public static final int WIDTH = 64;

    private final boolean[] known;
    private final long[] incarnation;
    private final long[] highest;
    private final long[] seen;

    /** A window for sender ids 0 .. {@code senders - 1}. */
    public ReplayWindow(final int senders) {
        known = new boolean[senders];
        incarnation = new long[senders];
        highest = new long[senders];
        seen = new long[senders];
    }

    /**
     * {@link Result#OK} (and remembers it) when ({@code frameIncarnation}, {@code sequence}) is new for
     * {@code sender}; {@link Result#REPLAY} when the incarnation is older, or the sequence was already accepted
     * or is {@link #WIDTH} or more behind the highest. Call only for authenticated frames.
     */
    public Result check(final int sender, final long frameIncarnation, final long sequence) {
        if (!known[sender] || Long.compareUnsigned(frameIncarnation, incarnation[sender]) > 0) {
            known[sender] = true;
            incarnation[sender] = frameIncarnation;
            highest[sender] = sequence;
            seen[sender] = 1L;
            return Result.OK;
        }
        if (frameIncarnation != incarnation[sender]) {
            return Result.REPLAY;
        }
        final long ahead = sequence - highest[sender];
        if (ahead > 0) {
            seen[sender] = ahead >= WIDTH ? 1L : (seen[sender] << ahead) | 1L;
            highest[sender] = sequence;
            return Result.OK;
        }
        final long behind = -ahead;
        if (behind >= WIDTH) {
            return Result.REPLAY;
        }
        final long bit = 1L << behind;
        if ((seen[sender] & bit) != 0) {
            return Result.REPLAY;
        }
        seen[sender] |= bit;
        return Result.OK;
    }

    /**
     * Whether {@link #check} would answer {@link Result#REPLAY}, without remembering anything: lets the receiver
     * drop a replayed or stale frame before it pays for the MAC (safe on unauthenticated input: the window moves
     * only in {@link #check}, for authenticated frames).
     */
    public boolean stale(final int sender, final long frameIncarnation, final long sequence) {
        if (!known[sender] || Long.compareUnsigned(frameIncarnation, incarnation[sender]) > 0) {
            return false;
        }
        if (frameIncarnation != incarnation[sender]) {
            return true;
        }
        final long behind = highest[sender] - sequence;
        return behind >= 0 && (behind >= WIDTH || (seen[sender] & (1L << behind)) != 0);
    }

    /** Whether a frame of {@code sender} has been accepted. */
    public boolean known(final int sender) {
        return known[sender];
    }

    /** The current incarnation of {@code sender} (meaningful when {@link #known}). */
    public long incarnation(final int sender) {
        return incarnation[sender];
    }

    /** The highest sequence accepted from {@code sender} in its current incarnation. */
    public long highestSequence(final int sender) {
        return highest[sender];
    }
}
