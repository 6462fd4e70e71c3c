package armd.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.AgentLog;
import armd.config.ClusterConfig;
import armd.config.ClusterKey;
import armd.config.ConfigChanges;
import armd.config.ConfigParser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload against real files: refused with FILE:LINE, no change, applied, needing a restart, a new key. */
class ConfigReloadTest {
    private static final String TEXT = """
        [cluster]
        name = test
        key-file = armd.key
        state-dir = state
        socket = /run/armd-test.sock

        [server s1]
        address = 192.0.2.1

        [group A]
        policy = s1
        start = start.sh
        stop = start.sh
        """;

    @TempDir
    Path dir;

    private Path file;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private AgentLog log;
    private final List<ConfigChanges> applied = new ArrayList<>();
    private ConfigReload reload;

    @BeforeEach
    void setUp() throws IOException {
        final Path key = dir.resolve("armd.key");
        Files.writeString(key, ClusterKey.format(ClusterKey.generate()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        final Path start = dir.resolve("start.sh");
        Files.writeString(start, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(start, PosixFilePermissions.fromString("rwxr-xr-x"));
        file = dir.resolve("armd.conf");
        Files.writeString(file, TEXT);
        final ConfigParser parser = new ConfigParser(false);
        final ClusterConfig config = parser.parse(file).config();
        log = new AgentLog("s1", new PrintStream(out, true, StandardCharsets.UTF_8), AgentLog.Format.TIMESTAMPED,
            AgentLog.Level.INFO, System::nanoTime);
        reload = new ConfigReload(file, config, ClusterKey.load(key), AgentLog.Level.INFO, parser, log,
            applied::add);
    }

    private String logText() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anUnchangedFileIsNoChange() {
        final ConfigReload.Outcome o = reload.reload();
        assertTrue(o.valid());
        assertEquals(List.of("configuration reloaded from " + file + ": no change"), o.lines());
        assertTrue(applied.isEmpty());
    }

    @Test
    void anInvalidFileChangesNothingAndSaysWhereEachTime() throws IOException {
        final ClusterConfig before = reload.running();
        Files.writeString(file, TEXT.replace("policy = s1", "policy = s9"));
        for (int i = 0; i < 2; i++) {
            final ConfigReload.Outcome o = reload.reload();
            assertFalse(o.valid());
            assertTrue(o.lines().getFirst().startsWith(file + ":11: "), o.lines()::toString);
            assertTrue(o.lines().getLast().startsWith("configuration not reloaded: the agent keeps the one read at "));
        }
        assertTrue(applied.isEmpty());
        assertEquals(before, reload.running());
        // both times in the log: an answer is not folded into "repeated N times"
        assertEquals(2, logText().lines().filter(l -> l.contains("error: " + file + ":11: ")).count(), logText());
    }

    @Test
    void theLogLevelIsAppliedAndTakesEffect() throws IOException {
        Files.writeString(file, TEXT.replace("name = test\n", "name = test\nlog-level = debug\n"));
        final ConfigReload.Outcome o = reload.reload();
        assertTrue(o.valid());
        assertEquals("applied: [cluster] log-level: (not set) -> debug", o.lines().getFirst());
        assertEquals(1, applied.size());
        assertEquals(AgentLog.Level.DEBUG, log.threshold());
        assertTrue(logText().contains("debug: log level now debug"), logText());
        // removed from the file again: back to the level of the start
        Files.writeString(file, TEXT);
        reload.reload();
        assertEquals(AgentLog.Level.INFO, log.threshold());
    }

    @Test
    void aRestartOnlyChangeIsReportedAndNotApplied() throws IOException {
        Files.writeString(file, TEXT.replace("stop = start.sh", "stop = start.sh\nscript-timeout = 30s")
            .replace("state-dir = state", "state-dir = state2"));
        final ConfigReload.Outcome o = reload.reload();
        assertTrue(o.valid());
        assertEquals(List.of("applied: [group A] script-timeout: 1m -> 30s",
            "needs a restart of the agent (one server at a time): [cluster] state-dir: " + dir.resolve("state")
                + " -> " + dir.resolve("state2"),
            "configuration reloaded from " + file + ": 1 change(s) applied, 1 not applied until the agent restarts "
                + "(it runs on the values read at " + o.lines().getLast().replaceAll(".* read at (\\S+) .*", "$1")
                + " for them)"), o.lines());
        assertEquals(30_000, reload.running().groups().getFirst().scriptTimeoutMs());
        assertEquals(dir.resolve("state"), reload.running().stateDir());
        assertEquals(1, applied.size());
        assertTrue(logText().contains("warning: needs a restart of the agent"), logText());
    }

    @Test
    void aNewKeyNeedsARestart() throws IOException {
        final Path key = dir.resolve("armd.key");
        Files.writeString(key, ClusterKey.format(ClusterKey.generate()));
        final ConfigReload.Outcome o = reload.reload();
        assertTrue(o.valid());
        assertEquals("needs every agent restarted at once (servers on old and new values would not hear each other: "
            + "stop the agent on every server, then start them): [cluster] key-file " + key + ": the key in it changed",
            o.lines().getFirst());
        assertTrue(applied.isEmpty());
    }
}
