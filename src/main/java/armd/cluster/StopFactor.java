package armd.cluster;

/** ARMS_FACTOR (SPEC.md section 4): why a group stops; set for stop scripts only. */
public enum StopFactor {
    CLUSTERSHUTDOWN, SERVERSHUTDOWN, CLUSTERLEAVE, GROUPSTOP, GROUPMOVE, GROUPFAILOVER, GROUPRESTART
}
