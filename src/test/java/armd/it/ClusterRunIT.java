package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Real agents in network namespaces walking the guide's steps; records compared with transitions.tsv. */
class ClusterRunIT {
    private static final int T = 60;

    @Test
    void startUpThenKillMinus9FailsTheGroupsOver() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("run", 2, false)) {
            c.startAll();
            final List<String> step1 = c.awaitRecords(3, T);
            assertEquals(sorted("1 start A START HOME 1 - SUCCESS", "2 start B START HOME 1 - SUCCESS",
                "1 start C START HOME 1 - SUCCESS"), sorted(step1), c.diagnostics());
            c.kill9(0);
            final List<String> all = c.awaitRecords(5, T);
            assertEquals(sorted("2 start A FAILOVER OTHER 2 - SUCCESS", "2 start C FAILOVER OTHER 2 - SUCCESS"),
                sorted(all.subList(3, all.size())), c.diagnostics());
        }
    }

    private static List<String> sorted(final String... lines) {
        final List<String> l = new ArrayList<>(List.of(lines));
        Collections.sort(l);
        return l;
    }

    private static List<String> sorted(final List<String> lines) {
        final List<String> l = new ArrayList<>(lines);
        Collections.sort(l);
        return l;
    }
}
