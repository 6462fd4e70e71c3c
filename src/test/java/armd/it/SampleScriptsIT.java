package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sample scripts of conf/groups/A drive a real group on two agents (network namespaces), through the
 * native arm* commands only: armload starts the application and the agent watches it; its death restarts
 * the group in place (transitions.tsv row S2a), past the restart limit fails it over (S2b); armgrp stops and
 * starts it (the stop script's armkill and armlsmnt cleanup); armkill stops it without a failover. Then every
 * command's error paths against the real agent: unknown group or server, a caller other than root, and an
 * agent that is not running.
 */
class SampleScriptsIT {
    private static final int T = 90;
    private static final Path BIN = Path.of("target", "bin").toAbsolutePath();
    private static final String APP_LINE =
        "APP_COMMAND=\"/bin/sh -c 'while armstat > /dev/null 2>&1; do sleep 5; done'\"";

    private static StepCheck steps;

    @BeforeAll
    static void load() throws Exception {
        steps = new StepCheck(T);
    }

    /** A command's outcome. */
    private record Out(int exit, String out, String err) {
    }

    @Test
    void theSampleScriptsDriveAGroupThroughTheNativeCommands() throws Exception {
        Netns.assumeRoot();
        needCommands();
        try (AgentCluster c = new AgentCluster("sa", 2, false)) {
            final Path pids = c.dir().resolve("app.pids");
            try {
                setUp(c, pids);
                run(c, pids);
            } finally {
                killApps(pids);
            }
        }
    }

    @Test
    void theUnmodifiedSampleRunsItsDemoApplicationWhileTheAgentAnswers() throws Exception {
        Netns.assumeRoot();
        needCommands();
        try (AgentCluster c = new AgentCluster("sc", 2, false)) {
            final List<Long> apps = new ArrayList<>();
            try {
                final Path start = c.dir().resolve("sample-start.sh");
                final Path stop = c.dir().resolve("sample-stop.sh");
                Files.copy(Path.of("conf/groups/A/start.sh"), start);
                Files.copy(Path.of("conf/groups/A/stop.sh"), stop);
                for (final Path p : List.of(start, stop)) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                c.chain("A", start, stop);
                c.commands(BIN);
                c.startAll();
                c.awaitRecords(3, T);
                c.awaitSettled(T);
                apps.add(watchedPid(c, 0));
                assertTrue(alive(apps.get(0)), "the demo application does not run");
                // its agent gone, the demo application ends by itself (armstat fails) while A fails over
                final int before = c.records().size();
                c.kill9(0);
                awaitGone(c, apps.get(0), "the demo application ends without its agent");
                assertEquals(List.of("2 start A FAILOVER OTHER 2 - SUCCESS", "2 start C FAILOVER OTHER 2 - SUCCESS"),
                    newRecords(c, before, 2).stream().sorted().toList());
                apps.add(watchedPid(c, 1));
                assertTrue(alive(apps.get(1)), "the demo application does not run on server2");
            } finally {
                for (final long pid : apps) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    /** The pid of the application armload started for group A on server i, from the agent's log. */
    private static long watchedPid(final AgentCluster c, final int i) throws Exception {
        final String mark = "group A: armload watches demo (pid ";
        awaitLog(c, i, mark);
        final String log = Files.readString(c.log(i));
        final int at = log.lastIndexOf(mark) + mark.length();
        return Long.parseLong(log.substring(at, log.indexOf(',', at)));
    }

    /**
     * An application that dies before its start script ends (here: at once) must still restart the group, then
     * fail it over: the agent remembers a death reported while the group is STARTING and acts once it is online.
     */
    @Test
    void anApplicationThatDiesDuringItsStartScriptRestartsTheGroup() throws Exception {
        Netns.assumeRoot();
        needCommands();
        try (AgentCluster c = new AgentCluster("sb", 2, false)) {
            final Path pids = c.dir().resolve("app.pids");
            try {
                setUp(c, pids);
                // the app dies at once, while the start script is still running (its armlog after armload)
                final Path app = c.dir().resolve("app.sh");
                Files.writeString(app, Files.readString(app).replace("exec sleep 600", "exit 1"));
                c.startAll();
                c.awaitRecords(3, T);
                // and so does every restart of it: one restart in place, then the failover
                // B's start on server2 and C's on server1 may come between A's runs: compare A's records alone
                steps.compareGroup(c, "A", "S2a", 1);
                steps.compareGroup(c, "A", "S2b", 4);
            } finally {
                killApps(pids);
            }
        }
    }

    private static void needCommands() {
        if (!Files.isExecutable(BIN.resolve("armload"))) {
            fail(BIN.resolve("armload") + " is missing: run scripts/build first (it builds the native arm* "
                + "commands into target/bin)");
        }
    }

    /** Group A gets the sample scripts, its application the test app; the agents get target/bin on PATH. */
    private static void setUp(final AgentCluster c, final Path pids) throws IOException {
        final Path app = c.dir().resolve("app.sh");
        // the app says where it runs (server number) and its pid, then becomes a long sleep with that pid
        Files.writeString(app, "#!/bin/sh\nns=$(ip netns identify $$)\necho \"${ns#" + c.net().prefix()
            + "s} $$\" >> " + pids + "\nexec sleep 600\n");
        Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(pids, "");
        final Path start = c.dir().resolve("sample-start.sh");
        final String text = Files.readString(Path.of("conf/groups/A/start.sh"));
        assertTrue(text.contains(APP_LINE), "conf/groups/A/start.sh has no line " + APP_LINE);
        Files.writeString(start, text.replace(APP_LINE, "APP_COMMAND=\"" + app + "\""));
        final Path stop = c.dir().resolve("sample-stop.sh");
        Files.copy(Path.of("conf/groups/A/stop.sh"), stop);
        for (final Path p : List.of(start, stop)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        c.chain("A", start, stop);
        c.commands(BIN);
    }

    private static void run(final AgentCluster c, final Path pids) throws Exception {
        c.startAll();
        c.awaitRecords(3, T);
        c.awaitSettled(T);
        // start: the application runs on server1, watched by armload's agent
        final long app1 = awaitApp(c, pids, 1, "1");
        awaitLog(c, 0, "group A start: demo started (START on priority 1)");
        awaitLog(c, 0, "armload watches demo (pid " + app1 + ",");

        // its death restarts the group in place: row S2a; the stop script finds it not running
        int before = c.records().size();
        kill9(app1);
        steps.compare(c, "S2a", before);
        final long app2 = awaitApp(c, pids, 2, "1");
        awaitLog(c, 0, "group A stop: demo was not running (GROUPRESTART)");
        c.awaitSettled(T);

        // again, past APP_RESTARTS=1: the group fails over, row S2b
        before = c.records().size();
        kill9(app2);
        steps.compare(c, "S2b", before);
        final long app3 = awaitApp(c, pids, 3, "2");
        awaitLog(c, 1, "group A start: demo started (FAILOVER on priority 2)");
        c.awaitSettled(T);

        // armgrp stop: the stop script stops the application (armkill) and runs the mount-point cleanup
        before = c.records().size();
        assertEquals(new Out(0, "group stop A: done\n", ""), arm(c.socket(1), "armgrp", "stop", "A"));
        assertEquals(List.of("2 stop A FAILOVER OTHER 2 GROUPSTOP SUCCESS"), newRecords(c, before, 1));
        awaitLog(c, 1, "group A stop: demo stopped (GROUPSTOP)");
        awaitLog(c, 1, "group A stop: NO MOUNT POINT");
        awaitGone(c, app3, "the application ends with the group stop");

        // armgrp start on server1: the application runs again
        before = c.records().size();
        assertEquals(0, arm(c.socket(1), "armgrp", "start", "A", "server1").exit());
        assertEquals(List.of("1 start A START HOME 1 - SUCCESS"), newRecords(c, before, 1));
        final long app4 = awaitApp(c, pids, 4, "1");
        // a second armload under the same name is refused, and its process is stopped again
        assertEquals(new Out(1, "", "armload: group A: 'demo' is already watched (demo stopped again)\n"),
            arm(c.socket(0), "armload", "-g", "A", "-i", "demo", "-a", "restart", "/bin/sleep", "600"));

        // armkill (an operator, not a script): the application stops and nothing follows
        final int runs = c.records().size();
        final Out killed = arm(c.socket(0), "armkill", "-g", "A", "-t", "5", "demo");
        assertEquals(new Out(0, "demo stopped\n", ""), killed);
        awaitGone(c, app4, "the application ends with armkill");
        // armstat runs on the agent thread, after anything an exit event would have queued there
        final String status = arm(c.socket(0), "armstat").out();
        assertTrue(status.lines().anyMatch(l -> l.matches("\\s*A\\s+online\\s+on server1")), status);
        assertEquals(0, arm(c.socket(0), "armlog", "-g", "A", "marker after armkill").exit());
        awaitLog(c, 0, "group A armlog: marker after armkill");
        assertEquals(runs, c.records().size(), "a script ran after armkill:\n" + c.diagnostics());
        // the next run is the group stop asked for, not a restart or failover the kill would have caused
        before = c.records().size();
        assertEquals(0, arm(c.socket(0), "armgrp", "stop", "A").exit());
        assertEquals(List.of("1 stop A START HOME 1 GROUPSTOP SUCCESS"), newRecords(c, before, 1));
        awaitLog(c, 0, "group A stop: demo was not running (GROUPSTOP)");
        assertEquals(4, Files.readAllLines(pids).size(), "the application was started again");

        errorPaths(c);
    }

    /** Unknown group or server, a caller other than root, and no agent, against the real agents. */
    private static void errorPaths(final AgentCluster c) throws Exception {
        final Path s1 = c.socket(0);
        final String config = c.config().toString();
        final String noZ = "no group 'Z' in " + config;
        final int runs = c.records().size();
        final List<String[]> unknown = List.of(
            new String[] {"armload", "-g", "Z", "-i", "x", "/bin/sleep", "600"},
            new String[] {"armkill", "-g", "Z", "x"},
            new String[] {"armlog", "-g", "Z", "hello"},
            new String[] {"armlsmnt", "Z"},
            new String[] {"armfover", "Z"},
            new String[] {"armgrp", "start", "Z"},
            new String[] {"armgrp", "stop", "Z"},
            new String[] {"armgrp", "move", "Z"});
        for (final String[] cmd : unknown) {
            final Out o = arm(s1, cmd);
            final String want = cmd[0] + ": " + noZ + (cmd[0].equals("armload") ? " (x stopped again)" : "");
            assertEquals(new Out(2, "", want + "\n"), o, String.join(" ", cmd));
        }
        assertEquals(new Out(2, "", "armfover: no server 'nosuch' in " + config + "\n"),
            arm(s1, "armfover", "A", "nosuch"));
        assertEquals(new Out(2, "", "armgrp: no server 'nosuch' in " + config + "\n"),
            arm(s1, "armgrp", "start", "A", "nosuch"));
        assertEquals(new Out(2, "", "armkill: group A: nothing started by armload as 'nosuch'\n"),
            arm(s1, "armkill", "-g", "A", "nosuch"));

        // a caller other than root: refused before the agent does anything (nothing stops, nothing starts)
        if (Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            final String denied = "permission denied: armd's control socket " + s1 + " is root-only";
            final List<String[]> asNobody = List.of(new String[] {"armstat"}, new String[] {"armlog", "-g", "A", "x"},
                new String[] {"armgrp", "stop", "B"}, new String[] {"armfover", "C"}, new String[] {"armdown"},
                new String[] {"armcl", "shutdown"}, new String[] {"armkill", "-g", "B", "demo"},
                new String[] {"armlsmnt", "A"}, new String[] {"armload", "-g", "C", "-i", "x", "/bin/sleep", "600"});
            for (final String[] cmd : asNobody) {
                final List<String> full = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534",
                    "--regid=65534", "--clear-groups", BIN.resolve(cmd[0]).toString()));
                full.addAll(List.of(cmd).subList(1, cmd.length));
                final Out o = exec(full, Map.of("ARMD_SOCKET", s1.toString()));
                final String want = cmd[0] + ": " + denied + (cmd[0].equals("armload") ? " (x stopped again)" : "");
                assertEquals(new Out(3, "", want + "\n"), o, "as nobody: " + String.join(" ", cmd));
            }
        } else {
            Need.partMissing("the non-root callers of SampleScriptsIT: no /usr/bin/setpriv (util-linux)");
        }
        assertEquals(runs, c.records().size(), "a refused command ran a script:\n" + c.diagnostics());
        assertTrue(c.running(0) && c.running(1), "an agent stopped:\n" + c.diagnostics());

        // no agent: server2's agent killed (its socket file stays behind): exit 4, one line
        c.kill9(1);
        final Path s2 = c.socket(1);
        final List<String[]> any = List.of(new String[] {"armstat"}, new String[] {"armlog", "-g", "A", "x"},
            new String[] {"armgrp", "stop", "A"}, new String[] {"armfover", "A"}, new String[] {"armdown"},
            new String[] {"armcl", "start"}, new String[] {"armsrv", "leave"}, new String[] {"armkill", "-g", "A", "x"},
            new String[] {"armlsmnt", "A"}, new String[] {"armload", "-g", "A", "-i", "x", "/bin/sleep", "600"});
        for (final String[] cmd : any) {
            final Out o = arm(s2, cmd);
            assertEquals(4, o.exit(), String.join(" ", cmd) + ": " + o);
            assertTrue(o.err().startsWith(cmd[0] + ": agent not running (") && o.err().indexOf('\n') == o.err()
                .length() - 1, String.join(" ", cmd) + " said: " + o.err());
            assertTrue(o.err().contains(s2.toString()), o.err());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Runs target/bin/CMD with ARMD_SOCKET={@code socket} and no ARMS_* variable; 60 s bound. */
    private static Out arm(final Path socket, final String... cmd) throws Exception {
        final List<String> full = new ArrayList<>(List.of(cmd));
        full.set(0, BIN.resolve(cmd[0]).toString());
        return exec(full, Map.of("ARMD_SOCKET", socket.toString()));
    }

    private static Out exec(final List<String> cmd, final Map<String, String> env) throws Exception {
        final Path out = Files.createTempFile("armd-it-out", ".txt");
        final Path err = Files.createTempFile("armd-it-err", ".txt");
        try {
            final ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().keySet().removeIf(k -> k.startsWith("ARMS_") || k.startsWith("ARMD_"));
            pb.environment().putAll(env);
            final Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within 60 s");
            }
            return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Waits for the n-th start of the test app; checks it ran on server {@code server} and is alive. */
    private static long awaitApp(final AgentCluster c, final Path pids, final int n, final String server)
        throws Exception {
        c.await(() -> lines(pids).size() >= n, T, "application start " + n);
        final String[] f = lines(pids).get(n - 1).split(" ");
        assertEquals(server, f[0], "application start " + n + " ran on server" + f[0] + "\n" + c.diagnostics());
        final long pid = Long.parseLong(f[1]);
        c.await(() -> ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(s -> s.endsWith("sleep"))
            .orElse(false), T, "application " + pid + " runs sleep");
        return pid;
    }

    private static List<String> lines(final Path p) {
        try {
            return Files.readAllLines(p).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> newRecords(final AgentCluster c, final int before, final int n) throws Exception {
        final List<String> all = c.awaitRecords(before + n, T);
        return all.subList(before, all.size());
    }

    private static void awaitLog(final AgentCluster c, final int i, final String text) throws Exception {
        c.await(() -> {
            try {
                return Files.readString(c.log(i)).contains(text);
            } catch (IOException e) {
                return false;
            }
        }, T, "server" + (i + 1) + " logs '" + text + "'");
    }

    /** Waits until {@code pid} is gone: reaped, since its parent is init (armload exits after the fork). */
    private static void awaitGone(final AgentCluster c, final long pid, final String what) throws Exception {
        c.await(() -> !alive(pid), T, what + " (pid " + pid + ")");
    }

    private static boolean alive(final long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** kill -9 of an application the test's scripts started, and waits until it is gone. */
    private static void kill9(final long pid) throws Exception {
        final ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        h.destroyForcibly();
        h.onExit().get(30, TimeUnit.SECONDS);
    }

    /** Kills every test app still running (each started through the test's scripts), by pid. */
    private static void killApps(final Path pids) {
        for (final String l : lines(pids)) {
            final String[] f = l.split(" ");
            if (f.length == 2) {
                ProcessHandle.of(Long.parseLong(f[1]))
                    .filter(h -> h.info().command().map(cmd -> cmd.endsWith("sleep")).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
