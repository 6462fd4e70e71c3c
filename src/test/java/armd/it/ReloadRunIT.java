package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.control.ControlRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * SIGHUP to real agents running under their guardian (armguard forwards it), as {@code systemctl reload} sends it:
 * an unchanged file, a file with a mistake, a change applied live (log level, a monitor's interval), a change that
 * needs a restart. Each time the agent keeps running, no script runs and no group moves. Last, a changed stop
 * script is applied: the group's next stop (a move asked for) runs it.
 */
class ReloadRunIT {
    private static final int T = 90;

    @Test
    void sighupReloadsTheConfigurationAndNothingMoves() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("rl", 2, false)) {
            c.extraConfig("[monitor linkA]\ngroup = A\ntype = link\ninterface = eth0\ninterval = 1s\n");
            c.guarded();
            c.startAll();
            c.awaitRecords(3, T);
            c.awaitSettled(T);
            c.await(() -> c.logHas(0, "monitors of group A started"), T, "group A's monitors run on server1");
            final String placement = c.placement(0);
            final List<String> records = c.records();
            final String original = Files.readString(c.config());

            // unchanged: to the guardian of server1, and straight to the JVM of server2
            c.signal(0, "HUP");
            c.await(() -> c.logHas(0, "configuration reloaded from " + c.config() + ": no change"), T,
                "server1 reloads and finds no change");
            sendToJvm(c, 1);
            c.await(() -> c.logHas(1, "configuration reloaded from " + c.config() + ": no change"), T,
                "server2 reloads and finds no change");
            nothingMoved(c, placement, records);

            // a mistake: refused at its line, the agent keeps what it runs on
            final String bad = original.replace("policy = server2, server1", "policy = server2, server9");
            final int line = lineOf(bad, "policy = server2, server9");
            Files.writeString(c.config(), bad);
            c.signal(0, "HUP");
            c.await(() -> c.logHas(0, "configuration not reloaded: the agent keeps the one read at "), T,
                "server1 refuses the file");
            assertTrue(c.logHas(0, "error: " + c.config() + ":" + line + ": "), c::diagnostics);
            nothingMoved(c, placement, records);

            // applied live: the log level, and a monitor's interval (its group's monitors restart, nothing else)
            Files.writeString(c.config(), original.replace("name = it\n", "name = it\nlog-level = debug\n")
                .replace("interval = 1s\n", "interval = 2s\n"));
            c.signal(0, "HUP");
            c.await(() -> c.logHas(0, "debug: log level now debug"), T, "server1 applies the log level");
            assertTrue(c.logHas(0, "applied: [cluster] log-level: (not set) -> debug"), c::diagnostics);
            assertTrue(c.logHas(0, "applied: [monitor linkA] interval: 1s -> 2s"), c::diagnostics);
            c.await(() -> c.logHas(0, "monitors of group A: restarting with the reloaded settings"), T,
                "group A's monitors restart on server1");
            nothingMoved(c, placement, records);

            // needs a restart: logged, not applied (the agents still agree with the other server)
            Files.writeString(c.config(), Files.readString(c.config()).replace("timeout = 1500ms", "timeout = 1600ms"));
            c.signal(0, "HUP");
            c.await(() -> c.logHas(0, "needs a restart of the agent (one server at a time): [heartbeat] timeout: "
                + "1500ms -> 1600ms"), T, "server1 reports the change as needing a restart");
            assertTrue(c.logHas(0, "0 change(s) applied, 1 not applied until the agent restarts"), c::diagnostics);
            nothingMoved(c, placement, records);
            assertFalse(c.logHas(0, "shutting this server down"), c::diagnostics);
            assertFalse(c.logHas(1, "shutting this server down"), c::diagnostics);

            // a stop script changed: applied, and the next stop of the group (a move, asked for) runs the new one
            final Path stop = c.dir().resolve("reloaded-stop.sh");
            Files.writeString(stop, "#!/bin/sh\necho \"reloaded-stop $ARMS_GROUPNAME $ARMS_FACTOR\" >> "
                + c.dir().resolve("record") + "\n");
            Files.setPosixFilePermissions(stop, PosixFilePermissions.fromString("rwxr-xr-x"));
            final String text = Files.readString(c.config());
            final int groupC = text.indexOf("[group C]");
            Files.writeString(c.config(), text.substring(0, groupC)
                + text.substring(groupC).replaceFirst("stop = stop.sh", "stop = reloaded-stop.sh"));
            c.signal(0, "HUP");
            c.await(() -> c.logHas(0, "applied: [group C] stop: "), T, "server1 applies group C's stop script");
            c.ok(0, new ControlRequest.GroupMove("C", Optional.of("server2")));
            c.await(() -> c.onlineOn(0, "C").equals("server2"), T, "group C moves to server2");
            assertTrue(c.records().contains("reloaded-stop C GROUPMOVE"), c::diagnostics);
        }
    }

    /** SIGHUP by PID to server i's JVM itself (the guardian's child), not through the guardian. */
    private static void sendToJvm(final AgentCluster c, final int i) throws Exception {
        final Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(c.pid(i))).start();
        assertTrue(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0);
    }

    /** Both agents run, agree, no group is in transition, placement and script runs are as before. */
    private static void nothingMoved(final AgentCluster c, final String placement, final List<String> records)
        throws Exception {
        assertTrue(c.running(0) && c.running(1), c::diagnostics);
        c.awaitSettled(T);
        assertEquals(placement, c.placement(0), c::diagnostics);
        assertEquals(placement, c.placement(1), c::diagnostics);
        assertEquals(records, c.records(), c::diagnostics);
    }

    private static int lineOf(final String text, final String line) {
        final List<String> lines = text.lines().toList();
        return lines.indexOf(line) + 1;
    }
}
