package armd.agent;

import armd.cluster.NodeMemory;

/** Where a server's {@link NodeMemory} survives the agent: loaded at start, saved atomically on change. */
public interface MemoryStore {
    /** The saved memory, or an empty one on a first start. */
    NodeMemory load();

    /**
     * Saves {@code memory} so that kill -9 at any point leaves the previous or this version. Returns false
     * when it could not (a full or failing disk): the store says so in the log, the previous version stays.
     */
    boolean save(NodeMemory memory);
}
