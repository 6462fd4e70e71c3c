package armd.cluster;

/** What a failed monitored resource does to its group (docs/behaviour.md#resource-monitoring). */
public enum FailureAction {
    /** Fail the group over to another server (when one is healthy and the failover counter allows it). */
    FAILOVER,
    /** Stop the group where it runs. */
    STOP
}
