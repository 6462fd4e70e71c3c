package armd.cluster;

/**
 * The cluster-wide record of one group: a last-writer-wins register replicated in every heartbeat. Only
 * one server writes it at a time (the owner, the deterministic successor of a dead owner, or the target of
 * a "group start"), and each write bumps the version, so merging by {@link #newerThan} converges: after a
 * partition heals, the side with the newer record keeps the group and the other stops it.
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
            + " lastStop=" + lastStop + (failed ? " failed" : "");
    }
}
