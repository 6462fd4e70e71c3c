package armd.cluster;

/** Where a monitor's failover sends the group (docs/behaviour.md#destinations). */
public enum Destination {
    /** The highest-priority healthy server of the group's policy, other than this one. */
    PRIORITY,
    /**
     * The most stable server: the highest-priority one that never detected a resource error since the group
     * started, else the one whose last error is the oldest.
     */
    STABLE
}
