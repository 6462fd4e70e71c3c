package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.ArmsEvent;
import armd.cluster.ScriptRun;
import armd.config.ClusterConfig;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The launcher's order and its RECOVER rule, with resources that need no root (a missing disk). */
class ResourceLauncherTest {
    private static final ClusterConfig.Disk MISSING = new ClusterConfig.Disk("A-data",
        Path.of("/dev/armd-test-no-such-disk"), Path.of("/nonexistent/armd-test/A"), "ext4", "", false, false);

    @Test
    void aGroupWithoutResourcesGoesStraightToTheScript() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
        try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(MISSING)), scripts, log.log())) {
            final ScriptRun run = Fixtures.start(1, ArmsEvent.START);
            assertTrue(Fixtures.launchAndWait(l, run).ok());
            assertSame(run, scripts.runs().getFirst());
            assertEquals(List.of("/nonexistent/armd-test/A"), l.mountPoints(0));
            assertEquals(List.of(), l.mountPoints(1));
        }
    }

    @Test
    void aMissingDiskGivesArmsDiskFailureAndALineNamingTheDevice() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
        try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(MISSING)), scripts, log.log())) {
            assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
            final ScriptRun seen = scripts.runs().getFirst();
            assertFalse(seen.diskOk(), log.dump());
            assertEquals(ArmsEvent.START, seen.event());
            assertTrue(log.lines().contains("group A: resource A-data failed: disk /dev/armd-test-no-such-disk "
                + "(resource A-data) does not exist on this server: check that the shared disk is connected (lsblk) "
                + "and the 'device' of [resource A-data]"), log.dump());
            assertTrue(log.lines().contains("group A: 0 of 1 resource(s) up, failed: A-data; the start script gets "
                + "ARMS_DISK=FAILURE"), log.dump());
            // the stop script after it sees the same ARMS_DISK
            assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
            assertFalse(scripts.runs().get(1).diskOk(), log.dump());
            assertTrue(scripts.runs().get(1).stop());
        }
    }

    @Test
    void aRecoverStartActivatesNothing() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
        try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(MISSING)), scripts, log.log())) {
            assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.RECOVER)).ok());
            assertTrue(scripts.runs().getFirst().diskOk(), log.dump());
            assertTrue(log.lines().stream().noneMatch(x -> x.contains("A-data")), log.dump());
            assertNotNull(log.await(x -> x.startsWith("group A: RECOVER start: no resource is activated here"), 0));
        }
    }

    @Test
    void theStopScriptRunsBeforeTheResourcesAreReleased() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
        final ClusterConfig.Disk second = new ClusterConfig.Disk("A-logs", Path.of("/dev/armd-test-no-such-disk2"),
            Path.of("/nonexistent/armd-test/A-logs"), "ext4", "", false, false);
        try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(MISSING, second)), scripts,
            log.log())) {
            assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
            final List<String> lines = log.lines();
            final int script = lines.indexOf("script stop ARMS_DISK=SUCCESS");
            final int logs = lines.indexOf("group A: resource A-logs: /nonexistent/armd-test/A-logs is not mounted: "
                + "nothing to unmount");
            final int data = lines.indexOf("group A: resource A-data: /nonexistent/armd-test/A is not mounted: "
                + "nothing to unmount");
            assertTrue(script >= 0 && logs > script && data > logs, log.dump());
        }
    }

    @Test
    void afterCloseARunIsRefusedNotLost() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
        final ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(MISSING)), scripts, log.log());
        l.close();
        assertFalse(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
        assertEquals(List.of(), scripts.runs());
    }
}
