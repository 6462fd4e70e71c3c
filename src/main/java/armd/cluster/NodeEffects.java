package armd.cluster;

/**
 * What a {@link ClusterNode} asks its surroundings to do. The agent implements it with real scripts and
 * files; the simulation with a virtual clock. Called only on the agent thread, from inside the node's
 * methods; implementations must not call back into the node synchronously.
 */
public interface NodeEffects {
    /** Run a script; report its end with {@link ClusterNode#onScriptDone}. At most one per group at a time. */
    void runScript(ScriptRun run);

    /** The persisted part of the node changed: save {@link ClusterNode#memory()} atomically before acting on. */
    void persist();

    /** An operator-visible log line (server and group transitions, decisions and why). */
    void log(String line);

    /** An operation this server issued is complete (or failed) with {@code result}. */
    void operationDone(int seq, OpResult result);
}
