package armd.cluster;

/** How a script run ended, as the layer that runs scripts and resources reports it to the decision core. */
public enum RunOutcome {
    /** The script ran and exited 0 (for a start: every resource it needs is up). */
    OK,
    /** The script ran and failed (exit code not 0, killed at its timeout), or could not be started. */
    FAILED,
    /**
     * A start whose resources could not be activated (a floating IP's address answered by another host, a wrong
     * network): the start script did not run and whatever had been activated was released again.
     */
    RESOURCE_FAILED,
    /**
     * A start whose floating address answers from another host (an address conflict after the activation's own
     * retries): the group most likely runs there, or a stranger holds the address. The start script did not run;
     * nothing is left active. The start is tried again once the address stops answering.
     */
    CONFLICT
}
