package armd.cluster;

/** How one server sees another: the peer's published state, or what its silence says. */
public enum PeerStatus {
    /** Not heard since this agent started. */
    UNKNOWN,
    /** Heard, then silent on every path past the timeout. */
    DOWN,
    /**
     * Silent on every network, but alive on the disk heartbeat path: a network partition, not a death. Its groups
     * are not taken over while it says it holds them.
     */
    PARTITIONED,
    /** Heard: see {@link ServerState#STARTING}. */
    STARTING,
    /** Heard: a member. */
    NORMAL,
    /** Heard: stopping its groups. */
    STOPPING,
    /** Heard: stopped cleanly. */
    STOPPED,
    /** Heard: isolated, waiting for "server return". */
    ISOLATED;

    /** The status that a live peer publishing {@code s} has. */
    public static PeerStatus of(final ServerState s) {
        return switch (s) {
            case STARTING -> STARTING;
            case NORMAL -> NORMAL;
            case STOPPING -> STOPPING;
            case STOPPED -> STOPPED;
            case ISOLATED -> ISOLATED;
        };
    }

    /** Heard recently on a network (anything but UNKNOWN, DOWN and PARTITIONED). */
    public boolean alive() {
        return this != UNKNOWN && this != DOWN && this != PARTITIONED;
    }
}
