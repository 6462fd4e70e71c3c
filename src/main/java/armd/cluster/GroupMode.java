package armd.cluster;

/** What the cluster wants of a group, as its replicated {@link GroupRecord} says. */
public enum GroupMode {
    /** Never started since the cluster was created: started at cluster start. */
    NONE,
    /** Runs on the record's owner, started there with the record's event. */
    RUN,
    /** Stopped by an operator ("group stop") or after an activation failure: nobody starts it by itself. */
    HELD,
    /** Stopped by a cluster shutdown (or a server shutdown with nowhere to go): started at cluster start. */
    SHUTDOWN;

    private static final GroupMode[] VALUES = values();

    /** The mode with wire code {@code code}, or null. */
    public static GroupMode of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : null;
    }
}
