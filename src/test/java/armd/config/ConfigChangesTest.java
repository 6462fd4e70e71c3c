package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.AgentLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The classification of a reload's changes: applied live or needing a restart, key by key. */
class ConfigChangesTest {
    private static final String BASE = """
        [cluster]
        name = test
        key-file = armd.key
        state-dir = state
        socket = /run/armd-test.sock

        [heartbeat]
        port = 7000
        interval = 20ms
        timeout = 1s

        [server s1]
        address = 192.0.2.1
        [server s2]
        address = 192.0.2.2

        [group A]
        policy = s1, s2
        start = start.sh
        stop = stop.sh
        script-timeout = 20s
        [group B]
        policy = s2, s1
        start = start.sh
        stop = stop.sh

        [resource ipA]
        group = A
        type = ip
        address = 192.0.2.100/24
        interface = eth0

        [monitor linkA]
        group = A
        type = link
        interface = eth0

        [monitor pingB]
        group = B
        type = ping
        target = 192.0.2.254
        interval = 1s
        """;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws IOException {
        ConfigParserTest.writeKey(dir.resolve("armd.key"));
        ConfigParserTest.script(dir.resolve("start.sh"));
        ConfigParserTest.script(dir.resolve("stop.sh"));
        ConfigParserTest.script(dir.resolve("other.sh"));
    }

    private ClusterConfig parse(final String text) throws IOException {
        final Path f = dir.resolve("armd.conf");
        Files.writeString(f, text);
        final ConfigParser.Result r = new ConfigParser(false).parse(f);
        assertTrue(r.valid(), () -> r.problems().toString());
        return r.config();
    }

    private ConfigChanges changes(final String after) throws IOException {
        return ConfigChanges.between(parse(BASE), parse(after));
    }

    @Test
    void theSameFileIsNoChange() throws IOException {
        final ConfigChanges c = changes(BASE);
        assertTrue(c.none(), c::toString);
        assertEquals(Set.of(), c.monitorGroups());
        assertEquals(parse(BASE), c.effective());
    }

    @Test
    void commentsBlankLinesAndMovedLinesAreNoChange() throws IOException {
        final ConfigChanges c = changes("# edited by hand\n\n" + BASE.replace("[monitor linkA]",
            "# the uplink\n[monitor linkA]"));
        assertTrue(c.none(), c::toString);
        // the monitor's line for messages follows the file
        assertEquals(parse("# edited by hand\n\n" + BASE.replace("[monitor linkA]", "# the uplink\n[monitor linkA]"))
            .monitors().getFirst().line(), c.effective().monitors().getFirst().line());
    }

    @Test
    void logLevelIsAppliedLive() throws IOException {
        final ConfigChanges c = changes(BASE.replace("name = test\n", "name = test\nlog-level = debug\n"));
        assertEquals(List.of("[cluster] log-level: (not set) -> debug"), c.applied());
        assertEquals(List.of(), c.needsRestart());
        assertEquals(AgentLog.Level.DEBUG, c.effective().actions().logLevel());
    }

    @Test
    void scriptPathsAndTimeoutsAreAppliedLive() throws IOException {
        final ConfigChanges c = changes(BASE.replace("stop = stop.sh\nscript-timeout = 20s",
            "stop = other.sh\nscript-timeout = 45s"));
        assertEquals(List.of("[group A] stop: " + dir.resolve("stop.sh") + " -> " + dir.resolve("other.sh"),
            "[group A] script-timeout: 20s -> 45s"), c.applied());
        assertEquals(List.of(), c.needsRestart());
        final ClusterConfig.Group a = c.effective().groups().getFirst();
        assertEquals(dir.resolve("other.sh"), a.stopScript());
        assertEquals(45_000, a.scriptTimeoutMs());
        assertEquals(Set.of(), c.monitorGroups());
    }

    @Test
    void monitorSettingsAreAppliedAndTheirGroupRestarted() throws IOException {
        final ConfigChanges c = changes(BASE.replace("target = 192.0.2.254\ninterval = 1s",
            "target = 192.0.2.253\ninterval = 2s\nfailures = 5"));
        assertEquals(List.of("[monitor pingB] interval: 1s -> 2s", "[monitor pingB] failures: 3 -> 5",
            "[monitor pingB] target: 192.0.2.254 -> 192.0.2.253"), c.applied());
        assertEquals(List.of(), c.needsRestart());
        assertEquals(Set.of(1), c.monitorGroups());
        final MonitorConfig m = c.effective().monitors().get(1);
        assertEquals(2000, m.intervalMs());
        assertEquals(1, m.group());
    }

    @Test
    void heartbeatServersKeyAndTopologyNeedARestartAndAreNotApplied() throws IOException {
        final String after = BASE.replace("interval = 20ms", "interval = 30ms")
            .replace("address = 192.0.2.2\n", "address = 192.0.2.3\n[server s3]\naddress = 192.0.2.4\n")
            .replace("policy = s2, s1", "policy = s1, s2")
            .replace("address = 192.0.2.100/24", "address = 192.0.2.101/24")
            .replace("state-dir = state", "state-dir = state2\nauto-return = yes");
        final ConfigChanges c = changes(after);
        assertEquals(List.of(), c.applied());
        assertEquals(List.of(
            "[cluster] auto-return: no -> yes",
            "[cluster] state-dir: " + dir.resolve("state") + " -> " + dir.resolve("state2"),
            "[heartbeat] interval: 20ms -> 30ms",
            "[resource ipA] address: 192.0.2.100 -> 192.0.2.101",
            "[group B] policy: s2, s1 -> s1, s2"), c.needsRestart());
        // agents on the old and the new values would not hear each other: every server at once
        assertEquals(List.of(
            "[server] sections (their order is the servers' ids): s1, s2 -> s1, s2, s3",
            "[server s2] address: 192.0.2.2 -> 192.0.2.3"), c.needsClusterRestart());
        // nothing of it reaches what the agent runs on (but the monitors' lines, for messages)
        final ClusterConfig base = parse(BASE);
        assertEquals(base, c.effective().withMonitors(base.monitors()));
    }

    @Test
    void groupsResourcesAndMonitorsAddedOrRemovedNeedARestart() throws IOException {
        final String after = BASE.replace("[monitor linkA]\ngroup = A\ntype = link\ninterface = eth0\n", "")
            + "\n[group C]\npolicy = s1\nstart = start.sh\nstop = stop.sh\n"
            + "\n[monitor linkC]\ngroup = C\ntype = link\ninterface = eth1\n";
        final ConfigChanges c = changes(after);
        assertEquals(List.of(), c.applied());
        assertEquals(List.of("[monitor linkA] (group A): removed", "[monitor linkC] (group C): added"),
            c.needsRestart());
        assertEquals(List.of("[group] sections (their order is the groups' ids): A, B -> A, B, C"),
            c.needsClusterRestart());
        assertEquals(2, c.effective().monitors().size());
    }

    @Test
    void aMonitorMovedToAnotherGroupOrTypeNeedsARestart() throws IOException {
        final ConfigChanges c = changes(BASE.replace("group = A\ntype = link\ninterface = eth0",
            "group = B\ntype = link\ninterface = eth0"));
        assertEquals(List.of("[monitor linkA] group: A -> B"), c.needsRestart());
        assertEquals(List.of(), c.applied());
        assertEquals(Set.of(), c.monitorGroups());
        assertEquals(0, c.effective().monitors().getFirst().group());
    }

    @Test
    void mixedChangesApplyOnlyTheLiveOnes() throws IOException {
        final ConfigChanges c = changes(BASE.replace("name = test\n", "name = test\nlog-level = warning\n")
            .replace("timeout = 1s", "timeout = 2s"));
        assertEquals(List.of("[cluster] log-level: (not set) -> warning"), c.applied());
        assertEquals(List.of("[heartbeat] timeout: 1s -> 2s"), c.needsRestart());
        assertEquals(1000, c.effective().heartbeat().timeoutMs());
        assertEquals(AgentLog.Level.WARNING, c.effective().actions().logLevel());
    }

    @Test
    void aChangeWaitingForARestartIsReportedAgainAtTheNextReload() throws IOException {
        final String after = BASE.replace("port = 7000", "port = 7001").replace("timeout = 1s", "timeout = 2s");
        final ConfigChanges first = changes(after);
        final ConfigChanges second = ConfigChanges.between(first.effective(), parse(after));
        assertEquals(List.of("[heartbeat] timeout: 1s -> 2s"), second.needsRestart());
        assertEquals(List.of("[heartbeat] port: 7000 -> 7001"), second.needsClusterRestart());
        assertFalse(second.none());
    }

    @Test
    void addingATiebreakNeedsARestart() throws IOException {
        final ConfigChanges c = changes(BASE + "\n[tiebreak]\ntargets = 192.0.2.254\n");
        assertEquals(List.of("[tiebreak]: added"), c.needsRestart());
        assertEquals(null, c.effective().tiebreak());
    }

    @Test
    void aBadLogLevelIsRefusedAtItsLine() throws IOException {
        final Path f = dir.resolve("armd.conf");
        Files.writeString(f, BASE.replace("name = test\n", "name = test\nlog-level = verbose\n"));
        final ConfigParser.Result r = new ConfigParser(false).parse(f);
        assertFalse(r.valid());
        assertEquals(f + ":3: log-level 'verbose' is not one of error, warning, info, debug",
            r.problems().getFirst().toString());
    }
}
