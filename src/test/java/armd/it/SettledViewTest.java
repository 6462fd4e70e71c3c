package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import armd.status.ClusterStatus;
import armd.status.StatusText;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** What {@link AgentCluster#awaitSettled} compares between agents, read from the status text agents really print. */
class SettledViewTest {
    private static String status(final String state, final int received, final long transitionAtMs) {
        return StatusText.render(new ClusterStatus("it", "server1", "normal", 1_700_000_000_000L,
            List.of(new ClusterStatus.Server("server1", "normal", true, List.of()),
                new ClusterStatus.Server("server2", "normal", false,
                    List.of(new ClusterStatus.Path(0, "192.0.2.12", received, 0, 0, 5)))),
            List.of(new ClusterStatus.Group("A", state, "server1", "server1", true, 0, 0, 8,
                List.of(new ClusterStatus.Resource("A-ip", "ip", "up")),
                List.of(new ClusterStatus.Monitor("lan", "ping", "watching")), null)),
            List.of(new ClusterStatus.Transition(transitionAtMs, "A", "start", Map.of("ARMS_EVENT", "START"), "ok",
                0, 12)),
            List.of(new ClusterStatus.ScriptStats("A", "start", 1, 0, 12, 0)), List.of(), null));
    }

    @Test
    void resourcesPathsAndTransitionsAreNotPartOfTheView() {
        final String one = AgentCluster.settledView(status("online", 120, 1_700_000_000_000L));
        assertNotNull(one);
        // another agent: other counters and transitions, the same servers and groups
        assertEquals(one, AgentCluster.settledView(status("online", 7, 1_700_000_100_000L)));
    }

    @Test
    void aGroupInTransitionIsNotSettled() {
        assertNull(AgentCluster.settledView(status("starting", 120, 1_700_000_000_000L)));
    }
}
