package armd.cluster;

import java.util.List;

/**
 * The guide's script sequences, as data: for each cause, the scripts one server runs for one group, in order,
 * and what becomes of the group after the last of them (docs/behaviour.md#script-sequences; the rows of
 * transitions.tsv are these sequences seen from outside).
 *
 * <pre>
 * sequence          scripts on this server, in order                         then
 * START             start (the event the group record names)                 online here
 * RESTART           stop GROUPRESTART, start RECOVER, start START            online here
 * FAILOVER          stop GROUPFAILOVER, start RECOVER                        record: the chosen or next server, FAILOVER
 * MOVE              stop GROUPMOVE                                           record: the target server, START
 * STOP              stop GROUPSTOP                                           record: held (only "group start" restarts it)
 * CLUSTER_SHUTDOWN  stop CLUSTERSHUTDOWN                                     record: shut down (started at cluster start)
 * SERVER_SHUTDOWN   stop SERVERSHUTDOWN                                      record: the next member (START or FAILOVER)
 * LEAVE             stop CLUSTERLEAVE                                        record: the next member (START or FAILOVER)
 * YIELD             stop GROUPFAILOVER                                       nothing: another server keeps the group
 * RETURN            start RECOVER                                            nothing: the group runs elsewhere
 * </pre>
 *
 * <p>A stop script always shows the ARMS_EVENT, ARMS_SERVER and ARMS_PRIORITY of the start run before it; a
 * RECOVER start activates no resource. Where the group goes is written into its replicated record only after
 * the last script here ended, so the next server never starts a group that is still stopping.
 */
enum Sequence {
    START(Then.ONLINE, Step.start(null)),
    RESTART(Then.ONLINE, Step.stop(StopFactor.GROUPRESTART), Step.start(ArmsEvent.RECOVER),
        Step.start(ArmsEvent.START)),
    FAILOVER(Then.FAIL_OVER, Step.stop(StopFactor.GROUPFAILOVER), Step.start(ArmsEvent.RECOVER)),
    MOVE(Then.HAND_TO_TARGET, Step.stop(StopFactor.GROUPMOVE)),
    STOP(Then.HOLD, Step.stop(StopFactor.GROUPSTOP)),
    CLUSTER_SHUTDOWN(Then.PARK, Step.stop(StopFactor.CLUSTERSHUTDOWN)),
    SERVER_SHUTDOWN(Then.HAND_ON, Step.stop(StopFactor.SERVERSHUTDOWN)),
    LEAVE(Then.HAND_ON, Step.stop(StopFactor.CLUSTERLEAVE)),
    YIELD(Then.NOTHING, Step.stop(StopFactor.GROUPFAILOVER)),
    RETURN(Then.NOTHING, Step.start(ArmsEvent.RECOVER));

    /** What becomes of the group once the last script of a sequence ended. */
    enum Then {
        /** The group is online here. */
        ONLINE,
        /** Record: held, stopped by an operator or a monitor; nobody starts it by itself. */
        HOLD,
        /** Record: shut down with the cluster; the next cluster start starts it. */
        PARK,
        /** Record: the next member in the policy (START or FAILOVER by priority), or nobody until one comes. */
        HAND_ON,
        /** Record: the target server, START. */
        HAND_TO_TARGET,
        /** Record: the chosen server (or the next member), FAILOVER; this server when no other is left. */
        FAIL_OVER,
        /** Nothing: the record already says where the group runs. */
        NOTHING
    }

    /**
     * One script run of a sequence.
     *
     * @param stop   a stop script (else a start script)
     * @param factor ARMS_FACTOR of a stop script
     * @param event  ARMS_EVENT of a start script; null: the event the group's record names
     */
    record Step(boolean stop, StopFactor factor, ArmsEvent event) {
        static Step stop(final StopFactor factor) {
            return new Step(true, factor, null);
        }

        static Step start(final ArmsEvent event) {
            return new Step(false, null, event);
        }

        /** What the group is doing here while this step's script runs (published in heartbeats). */
        GroupExec exec() {
            return stop ? GroupExec.STOPPING : event == ArmsEvent.RECOVER ? GroupExec.RECOVERING : GroupExec.STARTING;
        }
    }

    private final Then then;
    private final List<Step> steps;

    Sequence(final Then then, final Step... steps) {
        this.then = then;
        this.steps = List.of(steps);
    }

    Then then() {
        return then;
    }

    Step step(final int i) {
        return steps.get(i);
    }

    int length() {
        return steps.size();
    }

    /** Whether step {@code i} is the start that brings the group online (its success or failure decides). */
    boolean bringsOnline(final int i) {
        return then == Then.ONLINE && i == steps.size() - 1;
    }
}
