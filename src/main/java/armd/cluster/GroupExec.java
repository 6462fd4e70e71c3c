package armd.cluster;

/** What one server is doing with one group right now (published per group in its heartbeats). */
public enum GroupExec {
    OFFLINE, STARTING, ONLINE, STOPPING, RECOVERING;

    private static final GroupExec[] VALUES = values();

    /** The value with wire code {@code code}, or OFFLINE. */
    public static GroupExec of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : OFFLINE;
    }

    /** Whether the group's resources may be active here (anything but OFFLINE). */
    public boolean active() {
        return this != OFFLINE;
    }
}
