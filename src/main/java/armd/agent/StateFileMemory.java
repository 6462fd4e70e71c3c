package armd.agent;

import armd.base.AgentLog;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.cluster.NodeMemory;
import armd.state.StateStore;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link NodeMemory} in the server's state file (atomic, fsynced). A damaged file is read as "crashed,
 * nothing known": the server then comes back isolated, the safe side.
 *
 * <p>The file is read and written back once when the store is made, so an agent whose state cannot be saved
 * (a full or read-only file system) stops before it sends a heartbeat. Later failed saves are logged once
 * (one line when saving stops working, one when it works again, with the count of failed saves between).
 * Agent thread only, after construction.
 */
public final class StateFileMemory implements MemoryStore {
    private final StateStore store;
    private final Path dir;
    private final String[] groupNames;
    private final AgentLog log;
    private NodeMemory loaded;
    private long failedSaves;
    private long failingSinceNs;

    /**
     * The state of one server in {@code dir}: read, then saved back, so that a directory where the state
     * cannot be saved stops the agent now, with one line naming it (exit 3).
     */
    public StateFileMemory(final Path dir, final String[] groupNames, final AgentLog log) {
        this.dir = dir;
        try {
            this.store = StateStore.inDirectory(dir);
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "state directory " + dir + ": " + reason(e)
                + " (check state-dir in the configuration)");
        }
        this.groupNames = groupNames.clone();
        this.log = log;
        this.loaded = read();
        try {
            store.save(loaded.toMap(this.groupNames));
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "state directory " + dir + ": cannot save the state: "
                + reason(e) + " (free space on its file system, or set another state-dir; the agent does not run "
                + "without a state it can save)");
        }
    }

    /** What went wrong, without the file name a {@link FileSystemException} puts first. */
    private static String reason(final IOException e) {
        final String r = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return r == null ? e.getClass().getSimpleName() : r;
    }

    /** The memory read when the store was made (once; later calls read the file again). */
    @Override
    public NodeMemory load() {
        final NodeMemory m = loaded;
        loaded = null;
        return m != null ? m : read();
    }

    private NodeMemory read() {
        final Map<String, String> m;
        try {
            m = store.load();
        } catch (StateStore.CorruptStateException e) {
            log.warning("state file " + store.file() + " is damaged (" + e.getMessage()
                + "): treating this start as after a crash");
            final NodeMemory crashed = NodeMemory.fromMap(Map.of("member", "true"), groupNames);
            return crashed;
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "cannot read state file " + store.file() + ": " + e.getMessage());
        }
        try {
            final NodeMemory mem = NodeMemory.fromMap(m, groupNames);
            if (mem.boot(bootId())) {
                log.line("this server restarted since the state was saved: the monitors' failover counters are reset");
            }
            return mem;
        } catch (IllegalArgumentException e) {
            log.warning("state file " + store.file() + ": " + e.getMessage()
                + ": treating this start as after a crash");
            return NodeMemory.fromMap(Map.of("member", "true"), groupNames);
        }
    }

    /** The kernel's boot id (changes at every boot), or "" where the kernel does not say. */
    static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public boolean save(final NodeMemory memory) {
        try {
            store.save(memory.toMap(groupNames));
        } catch (IOException e) {
            if (failedSaves++ == 0) {
                failingSinceNs = System.nanoTime();
                log.error("cannot save the state to " + store.file() + ": " + reason(e) + "; the agent goes "
                    + "on from memory and retries at every change and every second; no group starts on this server "
                    + "until a save succeeds (free space in " + dir + ")");
            }
            return false;
        }
        if (failedSaves > 0) {
            log.line("state saved again after " + failedSaves + " failed saves in "
                + (System.nanoTime() - failingSinceNs) / 1_000_000_000L + " s; held group starts go ahead");
            failedSaves = 0;
        }
        return true;
    }

    /** Failed saves since the last one that succeeded (0: the file holds the current state). */
    public long failedSaves() {
        return failedSaves;
    }
}
