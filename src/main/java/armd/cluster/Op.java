package armd.cluster;

/** Operator operations that travel between servers (docs/behaviour.md#operations). */
public enum Op {
    /** Every STOPPED server starts as a member again. */
    CLUSTER_START,
    /** Every server stops its groups (CLUSTERSHUTDOWN) and becomes STOPPED. */
    CLUSTER_SHUTDOWN,
    /** The named server stops its groups (SERVERSHUTDOWN), hands them over, and becomes STOPPED. */
    SERVER_SHUTDOWN,
    /** The named server stops its groups (CLUSTERLEAVE), hands them over, and becomes ISOLATED. */
    SERVER_LEAVE,
    /** The named server, ISOLATED or STOPPED, runs RECOVER for the groups it ran when it failed, rejoins. */
    SERVER_RETURN,
    /** A stopped group starts on the named server (default: the first member in its policy). */
    GROUP_START,
    /** The group's owner stops it (GROUPSTOP); it stays stopped. */
    GROUP_STOP,
    /** The group's owner stops it (GROUPMOVE) and it starts on the named server (START). */
    GROUP_MOVE,
    /** The group's owner stops it (GROUPFAILOVER), runs RECOVER, and it starts on the next server (FAILOVER). */
    GROUP_FAILOVER;

    private static final Op[] VALUES = values();

    /** The op with wire code {@code code}, or null. */
    public static Op of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : null;
    }

    /** Whether every server executes it (else only the executor named in the command). */
    public boolean broadcast() {
        return this == CLUSTER_START || this == CLUSTER_SHUTDOWN;
    }

    /** Whether it acts on one server, named by its executor. */
    public boolean serverOp() {
        return this == SERVER_SHUTDOWN || this == SERVER_LEAVE || this == SERVER_RETURN;
    }

    /** Whether it acts on one group. */
    public boolean groupOp() {
        return this == GROUP_START || this == GROUP_STOP || this == GROUP_MOVE || this == GROUP_FAILOVER;
    }
}
