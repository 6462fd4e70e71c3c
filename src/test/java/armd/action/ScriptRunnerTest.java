package armd.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.config.FileSafety;
import armd.it.Need;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptRunnerTest {
    private static final long WAIT_S = 60;

    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private ScriptRunner runner;

    @BeforeEach
    void setUp() {
        runner = new ScriptRunner(new ScriptRunner.Settings(Path.of("/opt/armd/bin"), Path.of("/run/armd/t.sock"),
            300, FileSafety.runningAsRoot()), (group, script, text) -> log.add(group + " " + script + ": " + text));
    }

    @AfterEach
    void tearDown() {
        runner.close();
    }

    private Path script(final String name, final String body) throws IOException {
        final Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private ScriptResult run(final Path script, final Map<String, String> env, final int timeoutMs)
        throws Exception {
        return runner.run("A", "start", script, env, timeoutMs).get(WAIT_S, TimeUnit.SECONDS);
    }

    private static Map<String, String> startEnv() {
        return ScriptRunner.armsEnvironment("START", null, "HOME", "SUCCESS", 1, "A");
    }

    @Test
    void theEnvironmentIsExactlyPathSocketAndTheArmsVariables() throws Exception {
        final Path out = dir.resolve("env.txt");
        final Path s = script("env.sh", "env > " + out);
        final ScriptResult r = runner.run("B", "stop", s,
            ScriptRunner.armsEnvironment("FAILOVER", "GROUPMOVE", "OTHER", "FAILURE", 2, "B"), 10_000)
            .get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(new ScriptResult(ScriptResult.ExecStatus.DONE, 0, "exited with code 0"), r);
        assertTrue(r.succeeded());
        final Map<String, String> env = new TreeMap<>();
        for (final String line : Files.readAllLines(out)) {
            final int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        // the shell itself adds these
        env.remove("PWD");
        env.remove("OLDPWD");
        env.remove("SHLVL");
        env.remove("_");
        assertEquals(new TreeMap<>(Map.of(
            "PATH", "/opt/armd/bin:" + ScriptRunner.SYSTEM_PATH,
            "ARMD_SOCKET", "/run/armd/t.sock",
            "ARMD_SCRIPT", "stop",
            "ARMS_EVENT", "FAILOVER",
            "ARMS_FACTOR", "GROUPMOVE",
            "ARMS_SERVER", "OTHER",
            "ARMS_DISK", "FAILURE",
            "ARMS_PRIORITY", "2",
            "ARMS_GROUPNAME", "B")), env);
    }

    @Test
    void theExitCodeIsReportedApartFromWhetherItRan() throws Exception {
        final ScriptResult r = run(script("three.sh", "exit 3"), startEnv(), 10_000);
        assertEquals(ScriptResult.ExecStatus.DONE, r.status());
        assertEquals(3, r.exitCode());
        assertFalse(r.succeeded());
    }

    @Test
    void outputLinesReachTheSinkWithGroupAndScriptNamed() throws Exception {
        final ScriptResult r = run(script("out.sh", "echo one\necho two >&2\nread x; echo \"stdin[$x] $?\"\npwd\n"
            + "printf 'no newline'"), startEnv(), 10_000);
        assertTrue(r.succeeded(), r.toString());
        assertEquals(List.of("A start: one", "A start: two", "A start: stdin[] 1", "A start: /",
            "A start: no newline"), log);
    }

    @Test
    void theScriptLeadsItsOwnSessionAndProcessGroup() throws Exception {
        final ScriptResult r = run(script("pg.sh", "echo $$ $(cut -d' ' -f5,6 /proc/$$/stat)"), startEnv(), 10_000);
        assertTrue(r.succeeded(), r.toString());
        final String[] f = log.getFirst().substring("A start: ".length()).split(" ");
        assertEquals(f[0], f[1], "pgid");
        assertEquals(f[0], f[2], "session id");
    }

    @Test
    void runReturnsBeforeTheScriptEnds() throws Exception {
        final Path go = dir.resolve("go");
        final CompletableFuture<ScriptResult> f = runner.run("A", "start",
            script("wait.sh", "i=0; while [ ! -e " + go + " ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done"),
            startEnv(), 60_000);
        assertFalse(f.isDone());
        Files.createFile(go);
        assertTrue(f.get(WAIT_S, TimeUnit.SECONDS).succeeded());
    }

    @Test
    void aTimeoutKillsTheWholeProcessGroupWithSigterm() throws Exception {
        final Path pid = dir.resolve("child.pid");
        final ScriptResult r = run(script("hang.sh", "sleep 1000 &\necho $! > " + pid + ".tmp; mv " + pid
            + ".tmp " + pid + "\nsleep 1000"), startEnv(), 1000);
        assertEquals(ScriptResult.ExecStatus.TIMEOUT, r.status());
        assertEquals(-1, r.exitCode());
        assertTrue(r.reason().startsWith("still running after 1000 ms: its process group got SIGTERM"), r.reason());
        assertGone(Integer.parseInt(Files.readString(pid).strip()));
    }

    @Test
    void aTimeoutEscalatesToSigkillWhenSigtermIsIgnored() throws Exception {
        final Path pid = dir.resolve("child.pid");
        // SIGTERM ignored here is ignored by the background child too (inherited over fork and exec)
        final ScriptResult r = run(script("stubborn.sh", "trap '' TERM\nsleep 1000 &\necho $! > " + pid + ".tmp; mv "
            + pid + ".tmp " + pid + "\nwhile :; do sleep 1; done"), startEnv(), 1000);
        assertEquals(ScriptResult.ExecStatus.TIMEOUT, r.status());
        assertEquals("still running after 1000 ms: its process group got SIGTERM, then SIGKILL after 300 ms",
            r.reason());
        assertGone(Integer.parseInt(Files.readString(pid).strip()));
    }

    /** The process has exited: no /proc entry, or a zombie waiting for an init that does not reap. */
    private static void assertGone(final int pid) throws Exception {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (true) {
            final String stat;
            try {
                stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            } catch (NoSuchFileException e) {
                return;
            }
            if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                return;
            }
            assertTrue(System.nanoTime() - deadlineNs < 0, "process " + pid + " still alive: " + stat);
            Thread.sleep(10);
        }
    }

    @Test
    void unsafeScriptsAreRefusedWithoutRunning() throws Exception {
        final Path marker = dir.resolve("ran");
        final Path noexec = script("noexec.sh", "touch " + marker);
        Files.setPosixFilePermissions(noexec, PosixFilePermissions.fromString("rw-r--r--"));
        final Path open = script("open.sh", "touch " + marker);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (final Path p : List.of(noexec, open, dir, dir.resolve("missing.sh"))) {
            final ScriptResult r = run(p, startEnv(), 10_000);
            assertEquals(ScriptResult.ExecStatus.REFUSED, r.status(), p.toString());
            assertEquals(-1, r.exitCode());
        }
        assertEquals("script " + open + " is writable by group or others (mode 0777): chmod go-w " + open,
            run(open, startEnv(), 10_000).reason());
        assertFalse(Files.exists(marker));
    }

    @Test
    void asRootAScriptNotOwnedByRootIsRefused() throws Exception {
        Need.that(FileSafety.runningAsRoot(), "this test needs root to give a file away");
        final Path p = script("foreign.sh", "exit 0");
        Files.setAttribute(p, "unix:uid", 65534);
        final ScriptResult r = run(p, startEnv(), 10_000);
        assertEquals(ScriptResult.ExecStatus.REFUSED, r.status());
        assertEquals("script " + p + " is owned by uid 65534, not root: chown root " + p, r.reason());
    }

    @Test
    void aMissingInterpreterCouldNotStart() throws Exception {
        final Path p = dir.resolve("bad.sh");
        Files.writeString(p, "#!/nonexistent/interpreter\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        final ScriptResult r = run(p, startEnv(), 10_000);
        assertEquals(ScriptResult.ExecStatus.COULD_NOT_START, r.status());
        assertEquals("setsid: failed to execute " + p + ": No such file or directory", r.reason());
    }

    @Test
    void theSampleScriptsFollowTheirBranches() throws Exception {
        final Path start = dir.resolve("start.sh");
        Files.copy(Path.of("conf/groups/A/start.sh"), start);
        Files.setPosixFilePermissions(start, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(run(start, ScriptRunner.armsEnvironment("RECOVER", null, "HOME", "SUCCESS", 1, "A"), 10_000)
            .succeeded());
        assertTrue(run(start, Map.of(), 10_000).succeeded());
        final Path stop = dir.resolve("stop.sh");
        Files.copy(Path.of("conf/groups/A/stop.sh"), stop);
        Files.setPosixFilePermissions(stop, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(run(stop, Map.of(), 10_000).succeeded());
        assertEquals(List.of("A start: A: RECOVER: recovery only, the application is not started"), log);
    }

    /** The sample stop script with stand-ins for the arm* commands (the agent's own run is SampleScriptsIT). */
    @Test
    void theSampleStopScriptStopsTheApplicationAndCleansUpTheMountPoints() throws Exception {
        final Path bin = Files.createDirectories(dir.resolve("bin"));
        final Path armlog = dir.resolve("armlog.txt");
        final Path calls = dir.resolve("calls.txt");
        script("bin/armlog", "echo \"$*\" >> " + armlog);
        script("bin/armkill", "echo \"armkill $*\" >> " + calls + "; echo 'demo stopped'");
        script("bin/armlsmnt", "echo \"armlsmnt $*\" >> " + calls + "; printf '/mnt/a b\\n/mnt/c\\n'");
        script("bin/armrelpath", "echo \"armrelpath $*\" >> " + calls
            + "; [ \"$1\" = /mnt/c ] && exit 0; echo \"killed 42 (sleep) using $1\"; exit 1");
        final Path stop = dir.resolve("stop.sh");
        Files.copy(Path.of("conf/groups/A/stop.sh"), stop);
        Files.setPosixFilePermissions(stop, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ScriptRunner r = new ScriptRunner(new ScriptRunner.Settings(bin, null, 300,
            FileSafety.runningAsRoot()), (group, script, text) -> log.add(text))) {
            assertTrue(r.run("A", "stop", stop, ScriptRunner.armsEnvironment("FAILOVER", "GROUPMOVE", "OTHER",
                "SUCCESS", 2, "A"), 10_000).get(WAIT_S, TimeUnit.SECONDS).succeeded());
        }
        assertEquals(List.of("A: stop (GROUPMOVE) after FAILOVER: stopping the application"), log);
        assertEquals(List.of("armkill -i demo -t 10", "armlsmnt A", "armrelpath /mnt/a b", "armrelpath /mnt/c"),
            Files.readAllLines(calls));
        assertEquals(List.of("demo stopped (GROUPMOVE)", "KILL SOME PROCESS: /mnt/a b",
            "killed 42 (sleep) using /mnt/a b", "KILL NO PROCESS: /mnt/c"), Files.readAllLines(armlog));
    }
}
