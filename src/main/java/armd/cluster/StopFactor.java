package armd.cluster;

/** ARMS_FACTOR (docs/behaviour.md#stop-scripts): why a group stops; set for stop scripts only. */
public enum StopFactor {
    CLUSTERSHUTDOWN, SERVERSHUTDOWN, CLUSTERLEAVE, GROUPSTOP, GROUPMOVE, GROUPFAILOVER, GROUPRESTART
}
