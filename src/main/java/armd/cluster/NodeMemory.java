package armd.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one server must remember across an agent crash (kill -9 at any point) to compute the next script
 * environment: whether it was a member when it died, whether it is isolated, the group records it knows,
 * which groups were online here, and each group's last start environment here (for the stop script).
 * Saved atomically by the agent whenever {@link NodeEffects#persist()} is called.
 */
public final class NodeMemory {
    /** The agent was a member (groups may be online) when last saved: a restart then means it crashed. */
    boolean member;
    /** Left the cluster or came back after a crash: stays isolated until "server return". */
    boolean isolated;
    final GroupRecord[] records;
    final boolean[] onlineHere;
    final ArmsEvent[] lastStartEvent;
    final int[] lastStartPriority;
    /**
     * Failovers caused here by monitors, per group, since the counter's last reset
     * (docs/behaviour.md#failover-counter).
     */
    final int[] monitorFailovers;
    /** The kernel's boot id when last saved ("" unknown): a new one means the server itself restarted. */
    String bootId = "";
    /**
     * The agent's incarnation: a counter advanced (and saved) at every start before the first heartbeat, never
     * the clock, so a clock stepped back cannot make peers take new heartbeats for replays.
     */
    long incarnation;

    /** Empty memory for {@code groups} groups: a first start. */
    public NodeMemory(final int groups) {
        records = new GroupRecord[groups];
        onlineHere = new boolean[groups];
        lastStartEvent = new ArmsEvent[groups];
        lastStartPriority = new int[groups];
        monitorFailovers = new int[groups];
        for (int g = 0; g < groups; g++) {
            records[g] = new GroupRecord();
        }
    }

    /** Advances the incarnation for a new start of the agent; the caller saves the memory before using it. */
    public long nextIncarnation() {
        return ++incarnation;
    }

    /** The incarnation of this start (or of the last, before {@link #nextIncarnation}). */
    public long incarnation() {
        return incarnation;
    }

    /** Whether it was a member when last saved. */
    public boolean member() {
        return member;
    }

    /** Whether it is isolated. */
    public boolean isolated() {
        return isolated;
    }

    /** The record of group {@code g}. */
    public GroupRecord record(final int g) {
        return records[g];
    }

    /** Whether group {@code g} was online here. */
    public boolean onlineHere(final int g) {
        return onlineHere[g];
    }

    /** Failovers of group {@code g} caused here by monitors since the last reset. */
    public int monitorFailovers(final int g) {
        return monitorFailovers[g];
    }

    /**
     * This agent runs under kernel boot {@code currentBootId}. When it differs from the saved one the server
     * restarted (not just its agent), which resets the monitors' failover counters
     * (docs/behaviour.md#failover-counter); an agent restart on the same boot keeps them. Returns whether they were
     * reset.
     */
    public boolean boot(final String currentBootId) {
        if (currentBootId.equals(bootId)) {
            return false;
        }
        final boolean reset = !bootId.isEmpty();
        bootId = currentBootId;
        if (reset) {
            java.util.Arrays.fill(monitorFailovers, 0);
        }
        return reset;
    }

    /** As flat key=value pairs (the state store's format); group keys use the group's name. */
    public Map<String, String> toMap(final String[] groupNames) {
        final Map<String, String> m = new LinkedHashMap<>();
        m.put("member", Boolean.toString(member));
        m.put("isolated", Boolean.toString(isolated));
        m.put("boot-id", bootId);
        m.put("incarnation", Long.toUnsignedString(incarnation));
        for (int g = 0; g < records.length; g++) {
            final GroupRecord r = records[g];
            m.put("group." + groupNames[g], r.counter + " " + r.writer + " " + r.owner + " " + r.mode + " "
                + r.startEvent + " " + r.lastStop + " " + r.failed + " " + onlineHere[g] + " "
                + (lastStartEvent[g] == null ? "-" : lastStartEvent[g].name()) + " " + lastStartPriority[g]);
            m.put("errors." + groupNames[g], r.errorCount + " " + Long.toHexString(r.errorOrder));
            m.put("failovers." + groupNames[g], Integer.toString(monitorFailovers[g]));
        }
        return m;
    }

    /**
     * Reads memory saved by {@link #toMap}; unknown groups are ignored (the configuration changed), missing
     * ones start empty. A malformed value throws IllegalArgumentException naming the key.
     */
    public static NodeMemory fromMap(final Map<String, String> m, final String[] groupNames) {
        final NodeMemory mem = new NodeMemory(groupNames.length);
        mem.member = Boolean.parseBoolean(m.getOrDefault("member", "false"));
        mem.isolated = Boolean.parseBoolean(m.getOrDefault("isolated", "false"));
        mem.bootId = m.getOrDefault("boot-id", "").trim();
        try {
            mem.incarnation = Long.parseUnsignedLong(m.getOrDefault("incarnation", "0").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("incarnation: " + e.getMessage(), e);
        }
        for (int g = 0; g < groupNames.length; g++) {
            final String key = "group." + groupNames[g];
            final String v = m.get(key);
            if (v == null) {
                continue;
            }
            final String[] f = v.trim().split(" ");
            if (f.length != 10) {
                throw new IllegalArgumentException(key + ": expected 10 fields, found " + f.length);
            }
            try {
                mem.records[g].set(Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    GroupMode.valueOf(f[3]), ArmsEvent.valueOf(f[4]), Integer.parseInt(f[5]),
                    Boolean.parseBoolean(f[6]));
                mem.onlineHere[g] = Boolean.parseBoolean(f[7]);
                mem.lastStartEvent[g] = f[8].equals("-") ? null : ArmsEvent.valueOf(f[8]);
                mem.lastStartPriority[g] = Integer.parseInt(f[9]);
                final String[] e = m.getOrDefault("errors." + groupNames[g], "0 0").trim().split(" ");
                mem.records[g].setErrors(Integer.parseInt(e[0]), Long.parseUnsignedLong(e[e.length - 1], 16));
                mem.monitorFailovers[g] = Integer.parseInt(m.getOrDefault("failovers." + groupNames[g], "0").trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
            }
        }
        return mem;
    }
}
