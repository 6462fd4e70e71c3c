package armd.cluster;

/**
 * One start or stop script run with its ARMS_* environment, as docs/behaviour.md#script-environment defines it.
 *
 * @param group    group id
 * @param stop     a stop script (else start)
 * @param event    ARMS_EVENT (for a stop: the value of the start run before it)
 * @param home     ARMS_SERVER is HOME (else OTHER)
 * @param priority ARMS_PRIORITY, 1..16
 * @param factor   ARMS_FACTOR for a stop script, null for a start script
 * @param diskOk   ARMS_DISK is SUCCESS (else FAILURE)
 * @param checked  a start right after a takeover's holder probe found the group's floating addresses free: that
 *                 probe was the activation's conflict check (it is not made twice)
 */
public record ScriptRun(int group, boolean stop, ArmsEvent event, boolean home, int priority, StopFactor factor,
                        boolean diskOk, boolean checked) {

    /** A run whose addresses, if any, the activation probes itself. */
    public ScriptRun(final int group, final boolean stop, final ArmsEvent event, final boolean home, final int priority,
                     final StopFactor factor, final boolean diskOk) {
        this(group, stop, event, home, priority, factor, diskOk, false);
    }

    /** The script's name in logs: start or stop. */
    public String script() {
        return stop ? "stop" : "start";
    }
}
