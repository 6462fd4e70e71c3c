package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.ArmsEvent;
import armd.config.ClusterConfig;
import armd.it.Netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NFS resource against the kernel's NFS server, run inside the test guest by {@code armd.vm.NfsVmIT} (the
 * host's kernel has neither the NFS client nor nfsd; the guest runs Debian's kernel, which has both). Namespace
 * "srv" (198.51.100.1) runs nfsd ({@link NfsServer}) exporting /srv/A; the resource launcher's worker runs in
 * namespace "cli" (198.51.100.2), where {@code mount -t nfs} mounts it.
 *
 * <p>Prints {@code ARMD-CASE PASS name<TAB>ms} or {@code FAIL name<TAB>why} per case and exits 1 when a case
 * failed. The cases run in order and share the server: a failed case leaves the next ones to fail on their own
 * checks; the server, the mount and the namespaces are removed at the end whatever happened (and the guest
 * powers off after this).
 */
public final class NfsGuest {
    static final String CASE_MARK = "ARMD-CASE ";
    private static final String EXPORT = "/srv/A";
    private static final String SERVER = "198.51.100.1";
    private static final String SOURCE = SERVER + ":" + EXPORT;
    /** The group's script timeout (Fixtures.config): the bound of the mount command. */
    private static final int SCRIPT_TIMEOUT_MS = 10_000;

    private final Netns net;
    private final String cli;
    private final String srv;
    private final Path work;
    private final Path mp;
    private NfsServer server;

    @FunctionalInterface
    private interface Case {
        void run() throws Exception;
    }

    private NfsGuest(final Netns net, final Path work) throws IOException {
        this.net = net;
        this.work = work;
        this.mp = work.resolve("mnt/A");
        srv = net.namespace("srv");
        cli = net.namespace("cli");
        net.veth(srv, "eth0", cli, "eth0");
        net.address(srv, "eth0", SERVER + "/24");
        net.address(cli, "eth0", "198.51.100.2/24");
    }

    /** Runs every case; exit 0 when all passed. */
    public static void main(final String[] args) throws IOException {
        int failed = 0;
        final Path work = Files.createTempDirectory("armd-nfs");
        try (Netns net = new Netns("nfsv")) {
            final NfsGuest g = new NfsGuest(net, work);
            try {
                final Map<String, Case> cases = new LinkedHashMap<>();
                cases.put("nfs: the kernel server in namespace srv serves " + EXPORT, g::serverStarts);
                cases.put("nfs: mount.nfs missing: one line, not mounted", g::helperMissing);
                cases.put("nfs: START mounts the export; files written on either side are seen on the other",
                    g::activate);
                cases.put("nfs: the stop run unmounts it", g::deactivate);
                cases.put("nfs: nfsd stopped, the server still answers ping: one line, not mounted", g::nfsdStopped);
                cases.put("nfs: the server gone: one line (no answer to ping), not mounted", g::serverGone);
                for (final Map.Entry<String, Case> c : cases.entrySet()) {
                    failed += runCase(c.getKey(), c.getValue());
                }
            } finally {
                g.cleanUp();
            }
        } finally {
            deleteTree(work);
        }
        System.out.flush();
        System.exit(failed == 0 ? 0 : 1);
    }

    private static int runCase(final String name, final Case c) {
        final long startNs = System.nanoTime();
        System.out.println("--- " + name);
        try {
            c.run();
            System.out.println(CASE_MARK + "PASS " + name + "\t" + (System.nanoTime() - startNs) / 1_000_000 + " ms");
            return 0;
        } catch (Exception | AssertionError e) {
            e.printStackTrace(System.out);
            System.out.println(CASE_MARK + "FAIL " + name + "\t" + String.valueOf(e.getMessage()).replace('\n', ' '));
            return 1;
        }
    }

    // ---- the cases

    private void serverStarts() throws Exception {
        server = NfsServer.start(srv, work.resolve("server"), EXPORT, "198.51.100.0/24");
        Files.writeString(server.exported(EXPORT).resolve("before"), "written before the mount\n");
    }

    /** The helper hidden under a bind of /dev/null (not executable): the resource says what to install. */
    private void helperMissing() throws Exception {
        final Path helper = Path.of("/usr/sbin/mount.nfs").toRealPath();
        Netns.run("mount", "--bind", "/dev/null", helper.toString());
        try {
            final Run r = start();
            assertFalse(r.diskOk(), r.log());
            assertEquals(List.of("group A: resource A-nfs failed: NFS " + SOURCE + " (resource A-nfs): mount.nfs is "
                + "not installed (package nfs-common on Debian and Ubuntu, nfs-utils on RHEL and SUSE): install it on "
                + "every server of the group's policy"), r.failures(), r.log());
            assertNull(mounted(), "nothing mounted");
        } finally {
            Netns.run("umount", helper.toString());
        }
    }

    private void activate() throws Exception {
        final Run r = start();
        assertTrue(r.diskOk(), r.log());
        assertEquals(List.of(), r.failures(), r.log());
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("group A: resource A-nfs: " + SOURCE
            + " mounted on " + mp + " in ")), r.log());
        final MountTable.Entry e = mounted();
        assertNotNull(e, "nothing mounted on " + mp + ": " + r.log());
        assertEquals(SOURCE, e.source(), e.toString());
        assertTrue(e.fsType().startsWith("nfs"), e.toString());
        final Path exported = server.exported(EXPORT);
        assertEquals("written before the mount\n", Files.readString(mp.resolve("before")));
        Files.writeString(exported.resolve("after"), "written on the server after the mount\n");
        assertEquals("written on the server after the mount\n", Files.readString(mp.resolve("after")));
        // close() flushes the write to the server (close-to-open consistency)
        Files.writeString(mp.resolve("from-client"), "written through the mount\n");
        assertEquals("written through the mount\n", Files.readString(exported.resolve("from-client")));
    }

    private void deactivate() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        try (ResourceLauncher l = launcher(log)) {
            assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
        }
        assertTrue(log.lines().contains("group A: resource A-nfs: " + mp + " unmounted"), log.dump());
        assertNull(mounted(), "still mounted");
        assertFalse(Files.exists(mp.resolve("before")), "the server's files are not there without the mount");
        assertTrue(Files.exists(server.exported(EXPORT).resolve("from-client")), "the server kept the file");
    }

    /**
     * Nothing listens on port 2049 any more: mount.nfs retries a refused connection for minutes (its retry=
     * default), so the group's script timeout ends it, killed with its children: one line, nothing mounted.
     */
    private void nfsdStopped() throws Exception {
        server.stopNfsd();
        final Run r = start();
        assertFalse(r.diskOk(), r.log());
        assertEquals(List.of("group A: resource A-nfs failed: NFS " + SOURCE + " (resource A-nfs): mount -t nfs "
            + SOURCE + " " + mp + " did not finish within " + SCRIPT_TIMEOUT_MS + " ms (killed)"), r.failures(),
            r.log());
        assertNull(mounted(), "nothing mounted");
    }

    private void serverGone() throws Exception {
        server.close();
        Netns.run("ip", "-n", srv, "link", "set", "eth0", "down");
        final Run r = start();
        assertFalse(r.diskOk(), r.log());
        assertEquals(1, r.failures().size(), r.log());
        assertTrue(r.failures().getFirst().startsWith("group A: resource A-nfs failed: NFS " + SOURCE
            + " (resource A-nfs): the NFS server " + SERVER + " does not answer ping ("), r.log());
        assertNull(mounted(), "nothing mounted");
    }

    // ---- helpers

    /** What one START run gave: ARMS_DISK and the log lines. */
    private record Run(boolean diskOk, List<String> lines) {
        List<String> failures() {
            return lines.stream().filter(l -> l.startsWith("group A: resource A-nfs failed: ")).toList();
        }

        String log() {
            return String.join("\n", lines);
        }
    }

    private Run start() throws Exception {
        final Fixtures.Log log = new Fixtures.Log();
        final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
        try (ResourceLauncher l = launcher(log, scripts)) {
            assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
        }
        return new Run(scripts.runs().getFirst().diskOk(), log.lines());
    }

    private ResourceLauncher launcher(final Fixtures.Log log) {
        return launcher(log, new Fixtures.RecordingLauncher(log));
    }

    private ResourceLauncher launcher(final Fixtures.Log log, final Fixtures.RecordingLauncher scripts) {
        final ClusterConfig.Nfs nfs = new ClusterConfig.Nfs("A-nfs", Fixtures.v4(SERVER), EXPORT, mp, "");
        return new ResourceLauncher(Fixtures.config(List.of(nfs)), scripts, log.log(),
            ResourceLauncher.Settings.defaults().withNetns(cli));
    }

    private MountTable.Entry mounted() throws IOException {
        return MountTable.read().at(mp.toString());
    }

    /** Whatever happened: the client's mount (lazily, the server may be gone), the server, then the namespaces. */
    private void cleanUp() {
        try {
            if (mounted() != null) {
                Netns.tryRun("umount", "-f", "-l", mp.toString());
            }
        } catch (IOException e) {
            System.err.println("cannot unmount " + mp + ": " + e.getMessage());
        }
        if (server != null) {
            server.close();
        }
    }

    private static void deleteTree(final Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (final Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
