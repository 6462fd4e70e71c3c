package armd.cluster;

/**
 * The cluster-wide record of one group: a last-writer-wins register replicated in every heartbeat. Only
 * one server writes it at a time (the owner, the deterministic successor of a dead owner, or the target of
 * a "group start"), and each write bumps the version, so merging by {@link #newerThan} converges. The record
 * says where the group is to run; where it does run is what each server publishes (GroupExec): after a partition
 * healed with the group running on two servers, the one first in the group's policy keeps it and writes the record
 * (docs/behaviour.md#ownership).
 *
 * <p>Mutable and reused (the heartbeat path decodes into existing records); not thread-safe.
 */
public final class GroupRecord {
    /** Write counter; with {@link #writer} it orders versions. */
    long counter;
    /** The server that wrote this version (tie-break). */
    int writer = -1;
    /** The server that runs (or is to run) the group, or -1. */
    int owner = -1;
    GroupMode mode = GroupMode.NONE;
    /** The event the owner starts it with. */
    ArmsEvent startEvent = ArmsEvent.START;
    /** Where it ran at the last cluster shutdown or group stop, or -1 (decides START vs FAILOVER). */
    int lastStop = -1;
    /** The last start failed (activation failure): the group is HELD until an operator starts it. */
    boolean failed;
    /** How many servers detected a resource error since the group last started (0..16). */
    int errorCount;
    /** Those servers, oldest last error first, one per nibble from the low end (for {@link Destination#STABLE}). */
    long errorOrder;

    /** Whether this version is newer than {@code o}'s. */
    public boolean newerThan(final GroupRecord o) {
        return counter != o.counter ? counter > o.counter : writer > o.writer;
    }

    /** Copies every field of {@code o} into this record. */
    public void copyFrom(final GroupRecord o) {
        counter = o.counter;
        writer = o.writer;
        owner = o.owner;
        mode = o.mode;
        startEvent = o.startEvent;
        lastStop = o.lastStop;
        failed = o.failed;
        errorCount = o.errorCount;
        errorOrder = o.errorOrder;
    }

    /** Server {@code s} detected a resource error now: it moves to the end of the error order. */
    void noteError(final int s) {
        long kept = 0;
        int n = 0;
        for (int i = 0; i < errorCount; i++) {
            final int e = (int) (errorOrder >>> (4 * i)) & 0xf;
            if (e != s) {
                kept |= (long) e << (4 * n++);
            }
        }
        errorOrder = kept | (long) s << (4 * n);
        errorCount = n + 1;
    }

    /** Forgets every error (the group stopped: the next start begins a new history). */
    void clearErrors() {
        errorCount = 0;
        errorOrder = 0;
    }

    /** Where server {@code s} is in the error order (0 = oldest last error), or -1 if it detected none. */
    public int errorRank(final int s) {
        for (int i = 0; i < errorCount; i++) {
            if (((int) (errorOrder >>> (4 * i)) & 0xf) == s) {
                return i;
            }
        }
        return -1;
    }

    /** Sets the error history (for decoders and persisted state); {@code count} is clamped to 0..16. */
    public void setErrors(final int count, final long order) {
        errorCount = Math.max(0, Math.min(16, count));
        errorOrder = errorCount == 16 ? order : order & ((1L << (4 * errorCount)) - 1);
    }

    public int errorCount() {
        return errorCount;
    }

    public long errorOrder() {
        return errorOrder;
    }

    /** Starts a new version written by {@code writerId}. */
    void bump(final int writerId) {
        counter++;
        writer = writerId;
    }

    public long counter() {
        return counter;
    }

    public int writer() {
        return writer;
    }

    public int owner() {
        return owner;
    }

    public GroupMode mode() {
        return mode;
    }

    public ArmsEvent startEvent() {
        return startEvent;
    }

    public int lastStop() {
        return lastStop;
    }

    public boolean failed() {
        return failed;
    }

    /** Sets every field (for decoders and persisted state). */
    public void set(final long counterValue, final int writerId, final int ownerId, final GroupMode m,
                    final ArmsEvent event, final int lastStopId, final boolean failedFlag) {
        this.counter = counterValue;
        this.writer = writerId;
        this.owner = ownerId;
        this.mode = m;
        this.startEvent = event;
        this.lastStop = lastStopId;
        this.failed = failedFlag;
    }

    @Override
    public String toString() {
        return "v" + counter + "." + writer + " " + mode + " owner=" + owner + " event=" + startEvent
            + " lastStop=" + lastStop + (failed ? " failed" : "")
            + (errorCount == 0 ? "" : " errors=" + Long.toHexString(errorOrder) + "/" + errorCount);
    }
}
