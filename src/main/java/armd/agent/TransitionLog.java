package armd.agent;

import armd.status.ClusterStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last script runs of this server (its groups' transitions) with their ARMS_* values and results, and per
 * group and script the counts and durations since the agent started. Thread-safe (runs end on runner threads).
 */
public final class TransitionLog {
    /** Transitions kept for the status. */
    public static final int KEPT = 20;

    private final ArrayDeque<Entry> last = new ArrayDeque<>();
    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private final Map<String, Long> failoversHere = new LinkedHashMap<>();

    private static final class Entry {
        final long atMs;
        final long startNs;
        final String group;
        final String script;
        final Map<String, String> arms;
        String result = "running";
        int exitCode = -1;
        long durationMs = -1;

        Entry(final long atMs, final long startNs, final String group, final String script,
              final Map<String, String> arms) {
            this.atMs = atMs;
            this.startNs = startNs;
            this.group = group;
            this.script = script;
            this.arms = arms;
        }
    }

    /** A run of {@code script} of {@code group} with {@code arms} starts; returns its handle for {@link #ended}. */
    public synchronized Object started(final String group, final String script, final Map<String, String> arms) {
        final Entry e = new Entry(System.currentTimeMillis(), System.nanoTime(), group, script, Map.copyOf(
            new LinkedHashMap<>(arms)));
        if ("start".equals(script) && "FAILOVER".equals(arms.get("ARMS_EVENT"))) {
            failoversHere.merge(group, 1L, Long::sum);
        }
        last.addLast(e);
        while (last.size() > KEPT) {
            last.removeFirst();
        }
        return e;
    }

    /** The run {@code handle} ended: {@code result} (ok, failed, timeout, ...), its exit code or -1. */
    public synchronized void ended(final Object handle, final String result, final int exitCode) {
        final Entry e = (Entry) handle;
        e.result = result;
        e.exitCode = exitCode;
        e.durationMs = (System.nanoTime() - e.startNs) / 1_000_000L;
        final long[] c = counts.computeIfAbsent(e.group + "\u0000" + e.script, k -> new long[] {0, 0, -1, 0});
        c[0]++;
        if (!"ok".equals(result)) {
            c[1]++;
        }
        c[2] = exitCode;
        c[3] += e.durationMs;
    }

    /** FAILOVER starts of {@code group} here since the agent started. */
    public synchronized long failoversHere(final String group) {
        return failoversHere.getOrDefault(group, 0L);
    }

    /** The kept transitions, oldest first (ARMS_* values in the guide's order). */
    public synchronized List<ClusterStatus.Transition> transitions() {
        final List<ClusterStatus.Transition> out = new ArrayList<>(last.size());
        for (final Entry e : last) {
            out.add(new ClusterStatus.Transition(e.atMs, e.group, e.script, ordered(e.arms), e.result, e.exitCode,
                e.durationMs));
        }
        return out;
    }

    /** The counts per group and script. */
    public synchronized List<ClusterStatus.ScriptStats> scripts() {
        final List<ClusterStatus.ScriptStats> out = new ArrayList<>();
        for (final Map.Entry<String, long[]> e : counts.entrySet()) {
            final String[] k = e.getKey().split("\u0000", 2);
            final long[] c = e.getValue();
            out.add(new ClusterStatus.ScriptStats(k[0], k[1], c[0], c[1], (int) c[2], c[3]));
        }
        return out;
    }

    private static Map<String, String> ordered(final Map<String, String> arms) {
        final Map<String, String> m = new LinkedHashMap<>();
        for (final String k : List.of("ARMS_EVENT", "ARMS_FACTOR", "ARMS_SERVER", "ARMS_DISK", "ARMS_PRIORITY",
            "ARMS_GROUPNAME")) {
            if (arms.containsKey(k)) {
                m.put(k, arms.get(k));
            }
        }
        return m;
    }
}
