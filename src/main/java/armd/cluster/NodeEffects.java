package armd.cluster;

/**
 * What a {@link ClusterNode} asks its surroundings to do. The agent implements it with real scripts and
 * files; the simulation with a virtual clock. Called only on the agent thread, from inside the node's
 * methods; implementations must not call back into the node synchronously.
 */
public interface NodeEffects {
    /**
     * Run a script (for a start: after activating the group's resources, unless RECOVER); report its end with
     * {@link ClusterNode#onScriptDone}. At most one per group at a time.
     */
    void runScript(ScriptRun run);

    /** The persisted part of the node changed: save {@link ClusterNode#memory()} atomically before acting on. */
    void persist();

    /** An operator-visible log line (server and group transitions, decisions and why). */
    void log(String line);

    /** An operation this server issued is complete (or failed) with {@code result}. */
    void operationDone(int seq, OpResult result);

    /**
     * Ask the data plane whether group {@code g}'s floating addresses still answer from any host (an ARP probe
     * of each); report with {@link ClusterNode#onHolderProbe}. Asked before taking a group over from a server
     * that went silent: its kernel answers for the addresses as long as they are up there. Only asked for groups
     * with floating addresses.
     */
    default void probeHolder(final int g) {
        throw new UnsupportedOperationException("group " + g + " has floating addresses: probeHolder is needed");
    }

    /**
     * Group {@code g} runs here and another server that also ran it has let go (a partition healed): make sure
     * its floating addresses are up here and announce them again, so neighbours that learned the other server's
     * hardware address come back.
     */
    default void reassert(final int g) {
    }

    /** Heartbeats from now on carry {@code incarnation} (already persisted). */
    default void newIncarnation(final long incarnation) {
    }

    /**
     * This server hears no peer on any network: ask the tiebreak whether it still reaches the outside; report with
     * {@link ClusterNode#onTiebreak}. Only asked when a tiebreak is configured.
     */
    default void checkTiebreak() {
    }
}
