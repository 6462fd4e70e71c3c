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

    private void compare(final AgentCluster c, final String step, final int before, final List<String> all) {
        final List<Transitions.Row> expected = rows.get(step);
        final List<String> got = all.subList(before, all.size());
        final String context = "step " + step + "\n" + c.diagnostics();
        assertEquals(expected.size(), got.size(), context);
        int i = 0;
        for (int run = 1; i < expected.size(); run++) {
            final List<String> want = new ArrayList<>();
            for (final Transitions.Row r : expected) {
                if (r.run() == run) {
                    want.add(line(r, all.subList(0, before)));
                }
            }
            final List<String> have = new ArrayList<>(got.subList(i, i + want.size()));
            Collections.sort(want);
            Collections.sort(have);
            assertEquals(want, have, "run " + run + " of " + context);
            i += want.size();
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
