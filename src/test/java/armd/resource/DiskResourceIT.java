package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.action.ScriptRunner;
import armd.agent.ScriptRunnerLauncher;
import armd.cluster.ArmsEvent;
import armd.config.ClusterConfig;
import armd.it.LoopDisk;
import armd.it.Netns;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The switchable disk partition on a real ext4 loop device, driven through the real script runner. */
class DiskResourceIT {
    /** Group A's scripts: the start script records ARMS_DISK and writes a file on the mount point. */
    private static ClusterConfig config(final LoopDisk d, final ClusterConfig.Disk disk) throws Exception {
        final Path start = d.path("start.sh");
        Files.writeString(start, "#!/bin/sh\necho \"$ARMS_EVENT $ARMS_DISK\" > " + d.path("env.txt") + "\n"
            + "[ \"$ARMS_DISK\" = SUCCESS ] && echo hello > " + disk.mountPoint() + "/hello\nexit 0\n");
        final Path stop = d.path("stop.sh");
        Files.writeString(stop, "#!/bin/sh\nexit 0\n");
        for (final Path p : List.of(start, stop)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final ClusterConfig c = Fixtures.config(List.of(disk));
        final ClusterConfig.Group a = c.groups().getFirst();
        return new ClusterConfig(c.file(), c.name(), c.keyFile(), c.heartbeat(), c.autoReturn(), c.startupWaitMs(),
            c.stateDir(), c.socketPath(), c.servers(), List.of(new ClusterConfig.Group(0, "A", a.policy(), start,
                stop, 20_000, List.of(disk)), c.groups().get(1)));
    }

    private static ScriptRunner runner(final Fixtures.Log log) {
        return new ScriptRunner(new ScriptRunner.Settings(null, null, 1000, false),
            (group, script, text) -> log.log().line("group " + group + " " + script + ": " + text));
    }

    @Test
    void aLoopDiskIsCheckedMountedUsedAndUnmounted() throws Exception {
        Netns.assumeRoot();
        final Fixtures.Log log = new Fixtures.Log();
        try (LoopDisk d = LoopDisk.ext4(32); ScriptRunner runner = runner(log)) {
            final Path mp = d.path("mnt/A");
            final ClusterConfig.Disk disk = new ClusterConfig.Disk("A-data", Path.of(d.device()), mp, "ext4",
                "noatime,nodev", true, false);
            final ClusterConfig c = config(d, disk);
            try (ResourceLauncher l = new ResourceLauncher(c, new ScriptRunnerLauncher(c, runner, log.log()),
                log.log())) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok(), log.dump());
                assertEquals("START SUCCESS\n", Files.readString(d.path("env.txt")), log.dump());
                assertTrue(d.mountedOn(mp), log.dump());
                assertEquals("hello\n", Files.readString(mp.resolve("hello")));
                assertTrue(log.lines().contains("group A: resource A-data: created mount point " + mp), log.dump());
                // a loop device has no SG_IO: a log line, not a failure
                assertNotNull(log.await(x -> x.startsWith("group A: resource A-data: no SCSI TEST UNIT READY on "
                    + d.device()), 0), log.dump());
                assertNotNull(log.await(x -> x.startsWith("group A: resource A-data: fsck: " + d.device()), 0),
                    log.dump());
                assertNotNull(log.await(x -> x.startsWith("group A: resource A-data: " + d.device() + " mounted on "
                    + mp + " (ext4, noatime,nodev) in "), 0), log.dump());

                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok(), log.dump());
                assertFalse(d.mountedOn(mp), log.dump());
                assertFalse(Files.exists(mp.resolve("hello")), "the file was on the loop disk, now unmounted");
                assertTrue(log.lines().contains("group A: resource A-data: " + mp + " unmounted"), log.dump());
                // mounted again (a later start), the file is still there
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok(), log.dump());
                assertTrue(Files.exists(mp.resolve("hello")));
                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok(), log.dump());
                assertFalse(d.mountedOn(mp));
            }
        }
    }

    @Test
    void aBusyFileSystemIsDetachedLazilyWithALoudLine() throws Exception {
        Netns.assumeRoot();
        final Fixtures.Log log = new Fixtures.Log();
        try (LoopDisk d = LoopDisk.ext4(32)) {
            final Path mp = d.path("mnt");
            final ClusterConfig.Disk disk = new ClusterConfig.Disk("A-data", Path.of(d.device()), mp, "ext4", "",
                false, false);
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(disk)), scripts, log.log())) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertTrue(scripts.runs().getFirst().diskOk(), log.dump());
                try (FileChannel open = FileChannel.open(mp.resolve("busy"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                    assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
                    assertFalse(d.mountedOn(mp), log.dump());
                    assertNotNull(log.await(x -> x.startsWith("group A: resource A-data: " + mp + " is still busy "
                        + "after 3 tries: detached lazily (MNT_DETACH)"), 0), log.dump());
                }
            }
        }
    }

    @Test
    void aMissingDeviceGivesTheStartScriptArmsDiskFailure() throws Exception {
        Netns.assumeRoot();
        final Fixtures.Log log = new Fixtures.Log();
        try (LoopDisk d = LoopDisk.ext4(8); ScriptRunner runner = runner(log)) {
            final ClusterConfig.Disk disk = new ClusterConfig.Disk("A-data", Path.of("/dev/armd-it-no-such-disk"),
                d.path("mnt"), "ext4", "", true, false);
            final ClusterConfig c = config(d, disk);
            try (ResourceLauncher l = new ResourceLauncher(c, new ScriptRunnerLauncher(c, runner, log.log()),
                log.log())) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.FAILOVER)).ok(), log.dump());
                assertEquals("FAILOVER FAILURE\n", Files.readString(d.path("env.txt")), log.dump());
                assertTrue(log.lines().contains("group A: resource A-data failed: disk /dev/armd-it-no-such-disk "
                    + "(resource A-data) does not exist on this server: check that the shared disk is connected "
                    + "(lsblk) and the 'device' of [resource A-data]"), log.dump());
            }
        }
    }

    @Test
    void requireScsiRefusesADeviceWithoutSgIo() throws Exception {
        Netns.assumeRoot();
        final Fixtures.Log log = new Fixtures.Log();
        try (LoopDisk d = LoopDisk.ext4(8)) {
            final Path mp = d.path("mnt");
            final ClusterConfig.Disk disk = new ClusterConfig.Disk("A-data", Path.of(d.device()), mp, "ext4", "",
                false, true);
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(disk)), scripts, log.log())) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertFalse(scripts.runs().getFirst().diskOk(), log.dump());
                assertFalse(d.mountedOn(mp));
                assertNotNull(log.await(x -> x.startsWith("group A: resource A-data failed: disk " + d.device()
                    + " (resource A-data): TEST UNIT READY through SG_IO is not supported by this device")
                    && x.endsWith("require-scsi = yes: connect the disk through a SCSI path, or set require-scsi = no"),
                    0), log.dump());
            }
        }
    }

    @Test
    void aWrongFileSystemTypeFailsWithAHint() throws Exception {
        Netns.assumeRoot();
        final Fixtures.Log log = new Fixtures.Log();
        try (LoopDisk d = LoopDisk.ext4(8)) {
            final Path mp = d.path("mnt");
            final ClusterConfig.Disk disk = new ClusterConfig.Disk("A-data", Path.of(d.device()), mp, "xfs", "",
                false, false);
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(disk)), scripts, log.log())) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertFalse(scripts.runs().getFirst().diskOk(), log.dump());
                assertNotNull(log.await(x -> x.startsWith("group A: resource A-data failed: disk " + d.device()
                    + " (resource A-data): mount on " + mp + " (xfs) failed: "), 0), log.dump());
            }
        }
    }
}
