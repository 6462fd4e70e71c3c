package armd.agent;

import armd.base.AgentLog;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.cluster.NodeMemory;
import armd.state.StateStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link NodeMemory} in the server's state file (atomic, fsynced). A damaged file is read as "crashed,
 * nothing known": the server then comes back isolated, the safe side.
 */
public final class StateFileMemory implements MemoryStore {
    private final StateStore store;
    private final String[] groupNames;
    private final AgentLog log;

    /** The state of one server in {@code dir}. */
    public StateFileMemory(final Path dir, final String[] groupNames, final AgentLog log) {
        try {
            this.store = StateStore.inDirectory(dir);
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "state directory " + dir + ": " + e.getMessage()
                + " (check state-dir in the configuration)");
        }
        this.groupNames = groupNames.clone();
        this.log = log;
    }

    @Override
    public NodeMemory load() {
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
    public void save(final NodeMemory memory) {
        try {
            store.save(memory.toMap(groupNames));
        } catch (IOException e) {
            // the agent cannot promise what it does survives a crash: say so loudly, keep serving
            log.error("cannot save state to " + store.file() + ": " + e.getMessage());
            throw new UncheckedIOException(e);
        }
    }
}
