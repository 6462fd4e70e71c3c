package armd.cluster;

/** The outcome of an operation, as the executing server reports it back to the one that was asked. */
public enum OpResult {
    OK("done"),
    UNKNOWN_GROUP("no such group"),
    UNKNOWN_SERVER("no such server"),
    NOT_RUNNING("the group is not online"),
    ALREADY_RUNNING("the group is already online or starting"),
    BUSY("the group is busy (a script is running); try again when it settles"),
    NO_TARGET("no other server in the group's policy is a member of the cluster: nothing to fail over to"),
    NOT_IN_POLICY("the server is not in the group's failover policy"),
    NOT_MEMBER("the server is not a member of the cluster (see 'armd status')"),
    BAD_STATE("the server is not in a state that allows this (see 'armd status')"),
    UNREACHABLE("the server that must do it did not answer in time (down or partitioned?)");

    private static final OpResult[] VALUES = values();
    private final String text;

    OpResult(final String text) {
        this.text = text;
    }

    /** A human explanation. */
    public String text() {
        return text;
    }

    /** The result with wire code {@code code}, or BAD_STATE. */
    public static OpResult of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : BAD_STATE;
    }
}
