package armd.agent;

import armd.base.AgentLog;
import armd.cluster.ArmsEvent;
import armd.cluster.NodeMemory;
import armd.cluster.ScriptRun;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Keeps the promise "the state file is saved before the effect it allows" when the state cannot be saved
 * (a full or failing disk): the agent goes on from memory, but a group start here (START, FAILOVER) waits
 * until a save succeeds. A crash while the state is unsaved then restarts from a file that never claims less
 * than what runs here: no group is online on this server without a saved record of it, so the return after
 * the crash runs RECOVER for everything that may have been left running. Stops, RECOVER runs and moves away
 * need no wait: an unsaved stop only makes the next start run one RECOVER too many, the safe side.
 *
 * <p>While unsaved, the save is retried at every change and once a second. Agent thread only; nothing is
 * allocated while the state is saved.
 */
final class SaveGate {
    static final long RETRY_NS = 1_000_000_000L;

    private final MemoryStore store;
    private final AgentLog log;
    private final ArrayDeque<ScriptRun> held = new ArrayDeque<>();
    private boolean saved = true;
    private long nextRetryNs;

    SaveGate(final MemoryStore store, final AgentLog log) {
        this.store = store;
        this.log = log;
    }

    /** Saves {@code memory} (the store logs a failure); returns whether it is saved. */
    boolean save(final NodeMemory memory, final long nowNs) {
        saved = store.save(memory);
        nextRetryNs = nowNs + RETRY_NS;
        return saved;
    }

    /** Whether the last save failed (and none succeeded since). */
    boolean unsaved() {
        return !saved;
    }

    /** Starts waiting for a save. */
    int held() {
        return held.size();
    }

    /**
     * Whether {@code run} may be launched now; when not, it is held (and logged) until a save succeeds and
     * {@link #retry} hands it to its launcher.
     */
    boolean admit(final ScriptRun run, final String groupName) {
        if (saved || run.stop() || run.event() == ArmsEvent.RECOVER) {
            return true;
        }
        held.add(run);
        log.line("group " + groupName + ": start (" + run.event() + ") waits until the state can be saved");
        return false;
    }

    /**
     * Each loop cycle: while unsaved, saves {@code memory} again once a retry is due; once saved, launches the
     * held starts in their order through {@code launch}.
     */
    void retry(final long nowNs, final NodeMemory memory, final Consumer<ScriptRun> launch) {
        if (!saved) {
            if (nowNs - nextRetryNs < 0 || !save(memory, nowNs)) {
                return;
            }
        }
        ScriptRun run;
        while ((run = held.poll()) != null) {
            launch.accept(run);
        }
    }
}
