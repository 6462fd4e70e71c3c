package armd.action;

import armd.cluster.Destination;
import armd.cluster.FailureAction;

/**
 * Where resources and monitors report to the agent: a failure (activation failure or a monitor past its
 * failure threshold) and a resource back to normal for its configured time. Callable from any thread.
 */
public interface ResourceEvents {
    /**
     * Group {@code group}'s resource or monitor {@code name} failed on this server.
     *
     * @param reason one line for the log: what failed and why
     */
    void failed(int group, String name, FailureAction action, Destination destination, String reason);

    /** Group {@code group}'s monitored resource {@code name} stayed normal for its reset time. */
    void normalAgain(int group, String name);
}
