package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.NotifySocket;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The agent under a service manager, without systemd: the test is the manager (its own AF_UNIX datagram socket in
 * NOTIFY_SOCKET, a WATCHDOG_USEC), and reads READY=1 once the agent serves, then WATCHDOG=1 from its loop, and
 * none while the agent is stopped (SIGSTOP: a hung agent, which systemd's WatchdogSec would then kill).
 */
class ServiceManagerIT {
    private static final int T = 90;
    /** 400 ms: a ping every 200 ms. */
    private static final long WATCHDOG_USEC = 400_000;

    @Test
    void readyOnceServingThenWatchdogPingsThatStopWhenTheAgentHangs() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("sm", 2, false);
             NotifySocket manager = new NotifySocket(c.dir().resolve("notify").toString())) {
            c.environment("NOTIFY_SOCKET", manager.name());
            c.environment("WATCHDOG_USEC", Long.toString(WATCHDOG_USEC));
            c.start(0);
            final String ready = manager.receive(T * 1000);
            assertEquals("READY=1\nSTATUS=serving server server1 of cluster it\nWATCHDOG=1", ready,
                c.diagnostics());
            // ready means serving: the control socket answers at once
            assertTrue(c.status(0).contains("server1"), c.status(0));
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", manager.receive(T * 1000), "ping " + (i + 1));
            }
            final long pid = agentJvm(c);
            Netns.run("kill", "-STOP", Long.toString(pid));
            try {
                c.await(() -> stopped(pid), T, "the agent stopped by SIGSTOP");
                while (manager.receive(0) != null) {
                    // pings sent before the stop
                }
                // five ping intervals: a live loop would have sent five pings
                assertNull(manager.receive((int) (5 * WATCHDOG_USEC / 2 / 1000)), "a stopped agent pings");
            } finally {
                Netns.run("kill", "-CONT", Long.toString(pid));
            }
            assertEquals("WATCHDOG=1", manager.receive(T * 1000), "pings again once it runs");
            assertEquals(0, c.terminate(0), c.diagnostics());
            final List<String> rest = drain(manager);
            assertTrue(rest.contains("STOPPING=1"), rest.toString());
        }
    }

    @Test
    void armlogTextWithANewlineOrAnEscapeSequenceIsOneEscapedLine() throws Exception {
        Netns.assumeRoot();
        final Path bin = Path.of("target/bin").toAbsolutePath();
        try (AgentCluster c = new AgentCluster("lg", 2, false)) {
            c.startAll();
            c.await(() -> c.onlineOn(0, "A").equals("server1"), T, "A online");
            final String message = "one\nserver1 error: forged line\u001b[31m red \u001b]0;title\u0007 end";
            final ProcessBuilder pb = new ProcessBuilder(bin.resolve("armlog").toString(), "-g", "A", message);
            pb.environment().put("ARMD_SOCKET", c.socket(0).toString());
            final Process p = pb.redirectErrorStream(true).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
            final String escaped = "group A armlog: one\\nserver1 error: forged line\\x1b[31m red "
                + "\\x1b]0;title\\x07 end";
            c.await(() -> c.logHas(0, escaped), T, "the escaped armlog line");
            final List<String> lines = Files.readAllLines(c.log(0));
            assertEquals(1, lines.stream().filter(l -> l.contains("forged")).count(), String.join("\n", lines));
            assertTrue(lines.stream().noneMatch(l -> l.contains("\u001b")), "no raw escape in the log");
        }
    }

    /** The agent's JVM: the child of `ip netns exec` (which execs, so it is the process the fixture started). */
    private static long agentJvm(final AgentCluster c) {
        return c.pid(0);
    }

    private static boolean stopped(final long pid) {
        try {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static List<String> drain(final NotifySocket manager) {
        final List<String> out = new java.util.ArrayList<>();
        for (String m = manager.receive(5_000); m != null; m = manager.receive(1_000)) {
            out.add(m);
        }
        return out;
    }
}
