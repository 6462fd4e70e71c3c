package armd.cluster;

/** What one server is doing with one group right now (published per group in its heartbeats). */
public enum GroupExec {
    OFFLINE, STARTING, ONLINE, STOPPING, RECOVERING,
    /**
     * About to take the group over from a server that went silent, but first asking the data plane whether the
     * group's addresses still answer from elsewhere; nothing runs here yet.
     */
    FENCING;

    private static final GroupExec[] VALUES = values();

    /** The value with wire code {@code code}, or OFFLINE. */
    public static GroupExec of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : OFFLINE;
    }

    /** Whether the group runs, or is starting, here: the server is a holder of it. */
    public boolean holds() {
        return this == STARTING || this == ONLINE;
    }
}
