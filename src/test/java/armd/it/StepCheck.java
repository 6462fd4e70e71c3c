package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.scenario.Transitions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Compares the script runs an {@link AgentCluster} recorded with a step of transitions.tsv, the way
 * ClusterRunIT does: the step's rows after what was recorded before it, run numbers in order, rows of one run
 * in any order, "=start" values taken from the last start (not RECOVER) of the group on that server.
 */
final class StepCheck {
    private final Map<String, List<Transitions.Row>> rows;
    private final int timeoutS;

    StepCheck(final int timeoutS) throws Exception {
        this.rows = Transitions.load();
        this.timeoutS = timeoutS;
    }

    /** Waits for step {@code step}'s rows after the first {@code before} records, and compares them. */
    void compare(final AgentCluster c, final String step, final int before) throws Exception {
        compare(c, step, before, c.awaitRecords(before + rows.get(step).size(), timeoutS));
    }

    /**
     * Like {@link #compare(AgentCluster, String, int)} on group {@code group}'s records only (other groups'
     * runs may interleave): {@code before} counts that group's records.
     */
    void compareGroup(final AgentCluster c, final String group, final String step, final int before)
        throws Exception {
        compareWhere(c, r -> r.split(" ")[2].equals(group), "group " + group, step, before);
    }

    /**
     * Like {@link #compare(AgentCluster, String, int)} on the records of server {@code server} (1-based) only:
     * {@code before} counts that server's records.
     */
    void compareServer(final AgentCluster c, final int server, final String step, final int before)
        throws Exception {
        compareWhere(c, r -> r.split(" ")[0].equals(Integer.toString(server)), "server" + server, step, before);
    }

    private void compareWhere(final AgentCluster c, final java.util.function.Predicate<String> which,
                              final String what, final String step, final int before) throws Exception {
        final int n = before + rows.get(step).size();
        final java.util.concurrent.atomic.AtomicReference<List<String>> mine =
            new java.util.concurrent.atomic.AtomicReference<>(List.of());
        c.await(() -> {
            try {
                mine.set(c.records().stream().filter(which).toList());
            } catch (java.io.IOException e) {
                return false;
            }
            return mine.get().size() >= n;
        }, timeoutS, n + " records of " + what);
        compare(c, step, before, mine.get().subList(0, n));
    }

    /**
     * The step's rows against the records: the same rows, and for each group its runs in the table's order (the
     * rows of one run in any order). Groups run on workers of their own, so one group's second run may come
     * before another group's first ends (a slow stop script of A while C already started elsewhere).
     */
    private void compare(final AgentCluster c, final String step, final int before, final List<String> all) {
        final List<Transitions.Row> expected = rows.get(step);
        final List<String> got = all.subList(before, all.size());
        final String context = "step " + step + "\n" + c.diagnostics();
        assertEquals(expected.size(), got.size(), context);
        final java.util.Set<String> groups = new java.util.TreeSet<>();
        for (final Transitions.Row r : expected) {
            groups.add(r.group());
        }
        for (final String g : groups) {
            final List<String> have = got.stream().filter(l -> l.split(" ")[2].equals(g)).toList();
            int i = 0;
            for (int run = 1; run <= expected.stream().mapToInt(Transitions.Row::run).max().orElse(0); run++) {
                final List<String> want = new ArrayList<>();
                for (final Transitions.Row r : expected) {
                    if (r.run() == run && r.group().equals(g)) {
                        want.add(line(r, all.subList(0, before)));
                    }
                }
                assertEquals(true, i + want.size() <= have.size(), "group " + g + ", run " + run + " of " + context);
                final List<String> part = new ArrayList<>(have.subList(i, i + want.size()));
                Collections.sort(want);
                Collections.sort(part);
                assertEquals(want, part, "group " + g + ", run " + run + " of " + context);
                i += want.size();
            }
            assertEquals(have.size(), i, "group " + g + ": records beyond the step's rows in " + context);
        }
    }

    /** The row as the record script writes it; "=start" from the last start (not RECOVER) before the step. */
    private static String line(final Transitions.Row r, final List<String> before) {
        final String server = r.server().replace("server", "");
        String ev = r.event();
        String home = r.armsServer();
        String prio = r.priority();
        if (ev.equals("=start")) {
            for (int k = before.size() - 1; k >= 0; k--) {
                final String[] f = before.get(k).split(" ");
                if (f[0].equals(server) && f[1].equals("start") && f[2].equals(r.group()) && !f[3].equals("RECOVER")) {
                    ev = f[3];
                    home = f[4];
                    prio = f[5];
                    break;
                }
            }
        }
        return server + " " + r.script() + " " + r.group() + " " + ev + " " + home + " " + prio + " " + r.factor()
            + " SUCCESS";
    }
}
