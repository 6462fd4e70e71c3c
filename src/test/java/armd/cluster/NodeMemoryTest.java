package armd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** What a server remembers across restarts: the monitors' failover counters survive an agent restart only. */
class NodeMemoryTest {
    private static final String[] GROUPS = {"A", "B"};

    @Test
    void failoverCountersSurviveAnAgentRestartButNotAServerRestart() {
        final NodeMemory first = new NodeMemory(2);
        assertFalse(first.boot("boot-1"), "a first start knows no earlier boot");
        first.monitorFailovers[0] = 3;
        final Map<String, String> saved = first.toMap(GROUPS);

        final NodeMemory agentRestart = NodeMemory.fromMap(saved, GROUPS);
        assertFalse(agentRestart.boot("boot-1"), "same kernel boot: only the agent restarted");
        assertEquals(3, agentRestart.monitorFailovers(0));

        final NodeMemory serverRestart = NodeMemory.fromMap(saved, GROUPS);
        assertTrue(serverRestart.boot("boot-2"), "a new kernel boot: the server restarted");
        assertEquals(0, serverRestart.monitorFailovers(0));
        assertEquals("boot-2", NodeMemory.fromMap(serverRestart.toMap(GROUPS), GROUPS).bootId);
    }
}
