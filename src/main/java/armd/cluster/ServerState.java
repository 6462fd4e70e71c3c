package armd.cluster;

/**
 * A server's own state as it publishes it in its heartbeats (docs/behaviour.md#server-states). DOWN and UNKNOWN are not
 * here: they are what a peer concludes from silence ({@link PeerStatus}).
 */
public enum ServerState {
    /** Agent started, learning the cluster's state from its peers before acting. */
    STARTING,
    /** A member of the cluster: runs groups. */
    NORMAL,
    /** Stopping its groups for a shutdown or a leave: alive, but no longer a place to start groups. */
    STOPPING,
    /** Stopped by a cluster shutdown or a server shutdown: not a member, no groups, heartbeats go on. */
    STOPPED,
    /** Came back after being down, or left the cluster: not a member until "server return". */
    ISOLATED;

    private static final ServerState[] VALUES = values();

    /** The state with wire code {@code code}, or null. */
    public static ServerState of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : null;
    }
}
