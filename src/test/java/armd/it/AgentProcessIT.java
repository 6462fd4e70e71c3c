package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The agent as a process: one agent per server, and SIGTERM is an orderly server shutdown that exits 0. */
class AgentProcessIT {
    private static final int T = 90;

    @Test
    void aSecondAgentForTheSameServerStopsBeforeItDoesAnything() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("ap", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            // server2's view of A below needs server1's start record: settled, not just recorded
            c.awaitSettled(T);
            final Path out = c.dir().resolve("second.out");
            final Process second = c.startAnother(0, out);
            try {
                assertTrue(second.waitFor(T, TimeUnit.SECONDS), "the second agent exits");
                assertEquals(1, second.exitValue(), Files.readString(out));
                final String text = Files.readString(out).strip();
                assertTrue(text.matches("armd run: another armd agent is running server server1 \\(it holds .*"
                    + "agent\\.lock\\): stop it first"), text);
                assertTrue(c.running(0), "the first agent runs on");
                assertEquals("server1", c.onlineOn(1, "A"));
            } finally {
                second.destroyForcibly();
                second.waitFor();
            }
        }
    }

    @Test
    void sigtermStopsTheGroupsHandsThemOverAndExitsZero() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("at", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            // the hand-over to server2 assumes server2 has the groups' start records
            c.awaitSettled(T);
            final int before = c.records().size();
            assertEquals(0, c.terminate(0), c.diagnostics());
            final var runs = c.awaitRecords(before + 4, T).subList(before, before + 4);
            assertTrue(runs.contains("1 stop A START HOME 1 SERVERSHUTDOWN SUCCESS"), runs + "\n" + c.diagnostics());
            assertTrue(runs.contains("2 start A FAILOVER OTHER 2 - SUCCESS"), runs + "\n" + c.diagnostics());
            c.await(() -> c.onlineOn(1, "C").equals("server2"), T, "C handed over to server2");
        }
    }
}
