package armd.probe;

/**
 * The outcome of an address conflict probe or of announcements ({@link ArpProbe} for IPv4, {@link NdpProbe} for
 * IPv6): one instance per probe, reused by every call, valid until the next one.
 */
public final class ConflictResult {
    /** A conflict: the address's holder answered for it (or announced it, or used it as its source). */
    public static final String IN_USE = "in use";
    /** A conflict: another host probed for the address at the same time. */
    public static final String PROBED = "probed by another host";
    /** The kernel refused to send (interface down...). */
    public static final String SEND_FAILED = "send failed";
    /** The kernel reported an error on receive. */
    public static final String RECEIVE_FAILED = "receive failed";

    ProbeOutcome outcome = ProbeOutcome.HEALTHY;
    long conflictMac = -1;
    int sent;
    long elapsedNs;
    int ignored;
    int errno;
    String reason = "";

    ConflictResult() {
    }

    void reset() {
        outcome = ProbeOutcome.HEALTHY;
        conflictMac = -1;
        sent = 0;
        elapsedNs = 0;
        ignored = 0;
        errno = 0;
        reason = "";
    }

    /** HEALTHY: the address is free (or announced); FAULT: conflict; ERROR: could not send or receive. */
    public ProbeOutcome outcome() {
        return outcome;
    }

    /** The conflicting host's hardware address (48 bits), or -1. */
    public long conflictMac() {
        return conflictMac;
    }

    /** Frames sent (probes or announcements). */
    public int sent() {
        return sent;
    }

    /** Time from the first frame sent to the decision, in nanoseconds. */
    public long elapsedNs() {
        return elapsedNs;
    }

    /** Frames received that said nothing about the address. */
    public int ignored() {
        return ignored;
    }

    /** The errno behind an ERROR, or 0. */
    public int errno() {
        return errno;
    }

    /** Why the outcome is not HEALTHY, in a few words ("" when healthy); a constant, never allocated. */
    public String reason() {
        return reason;
    }
}
