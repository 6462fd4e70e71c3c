package armd.action;

import armd.cluster.RunOutcome;
import armd.cluster.ScriptRun;

/**
 * Runs a group's start and stop scripts without blocking (its decorators also activate and release the group's
 * resources and start and stop its monitors around them), and answers the decision core's questions about the
 * group's floating addresses.
 */
public interface ScriptLauncher {
    /** How a launched run ended; called once, on any thread. */
    @FunctionalInterface
    interface Done {
        /** The run ended with {@code outcome}; {@code reason} says why when it is not OK (may be null). */
        void done(RunOutcome outcome, String reason);
    }

    /** How a holder probe ended; called once, on any thread. */
    @FunctionalInterface
    interface ProbeDone {
        /** {@code free}: no floating address of the group answered; else {@code detail} says which and who. */
        void done(boolean free, String detail);
    }

    /** Launches {@code run}; {@code done} is called once when it ended. */
    void launch(ScriptRun run, Done done);

    /**
     * Asks whether group {@code group}'s floating addresses still answer from any host on their networks (the
     * holder's kernel answers ARP for as long as they are up there). A group without floating addresses is free.
     */
    default void probeHolders(final int group, final ProbeDone done) {
        done.done(true, null);
    }

    /**
     * Group {@code group} runs here and another server that ran it too has let go: bring its floating addresses
     * up here where they are missing, and announce them again.
     */
    default void reassert(final int group) {
    }
}
