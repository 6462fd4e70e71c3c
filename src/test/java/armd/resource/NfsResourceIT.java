package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.ArmsEvent;
import armd.config.ClusterConfig;
import armd.it.Netns;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The NFS mount up to the mount command: the server pinged from the agent's namespace "a"; "b" plays the
 * server's host. The mount itself, against the kernel's NFS server, and a missing mount.nfs run in the test guest
 * (NfsGuest, armd.vm.NfsVmIT): this machine's kernel need not have NFS.
 */
class NfsResourceIT {
    private static final ResourceLauncher.Settings FAST_PING =
        new ResourceLauncher.Settings(null, "mount", "fsck", 10_000, 2, 300, 60_000);

    private static ClusterConfig.Nfs nfs(final Path mountPoint) {
        return new ClusterConfig.Nfs("A-nfs", Fixtures.v4("192.0.2.50"), "/export/A", mountPoint, "hard");
    }

    private static String[] pair(final Netns n) throws Exception {
        final String a = n.namespace("a");
        final String b = n.namespace("b");
        n.veth(a, "eth0", b, "eth0");
        n.address(a, "eth0", "192.0.2.1/24");
        return new String[] {a, b};
    }

    @Test
    void anUnreachableServerGivesArmsDiskFailureWithoutAMountAttempt() throws Exception {
        Netns.assumeRoot();
        final Path mp = Files.createTempDirectory("armd-nfs").resolve("A");
        try (Netns n = new Netns("nfsu")) {
            final String[] ns = pair(n);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(nfs(mp))), scripts, log.log(), FAST_PING.withNetns(ns[0]))) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertFalse(scripts.runs().getFirst().diskOk(), log.dump());
                assertNotNull(log.await(x -> x.startsWith("group A: resource A-nfs failed: NFS 192.0.2.50:/export/A "
                    + "(resource A-nfs): the NFS server 192.0.2.50 does not answer ping (")
                    && x.endsWith(", 2 tries of 300 ms): not mounted; check the server and the network path to it"),
                    0), log.dump());
                assertFalse(Files.exists(mp), "no mount attempt, not even the mount point");
            }
        } finally {
            Files.deleteIfExists(mp);
            Files.deleteIfExists(mp.getParent());
        }
    }

    @Test
    void aMissingMountCommandIsOneClearLine() throws Exception {
        Netns.assumeRoot();
        final Path mp = Files.createTempDirectory("armd-nfs").resolve("A");
        try (Netns n = new Netns("nfsm")) {
            final String[] ns = pair(n);
            n.address(ns[1], "eth0", "192.0.2.50/24");
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            try (ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(nfs(mp))), scripts, log.log(), FAST_PING.withNetns(ns[0]).withMountCommand("/nonexistent/mount"))) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertFalse(scripts.runs().getFirst().diskOk(), log.dump());
                assertTrue(log.lines().contains("group A: resource A-nfs failed: NFS 192.0.2.50:/export/A (resource "
                    + "A-nfs): the mount command (/nonexistent/mount) is not installed: install util-linux's mount on "
                    + "every server of the group's policy"), log.dump());
            }
        } finally {
            Files.deleteIfExists(mp);
            Files.deleteIfExists(mp.getParent());
        }
    }
}
