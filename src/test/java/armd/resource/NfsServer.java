package armd.resource;

import armd.it.Netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: the kernel's NFS server (nfsd, NFSv4 only, no rpcbind) serving one export from a network
 * namespace, with nfs-kernel-server's exportfs, rpc.nfsd and rpc.mountd. nfsd keeps its state per network
 * namespace (its file system, export caches and threads belong to the namespace that mounted the nfsd file
 * system), so a server in a namespace is a server host of its own.
 *
 * <p>The server runs chrooted into {@code root}, a directory of its own with /usr and /etc bound in: NFSv4's
 * pseudo root is the server's "/", and nfsd can only export a file system that can find a file from a file
 * handle (tmpfs, ext4; not the 9p root of the test guest). The export is {@code root + export}, so a test
 * writes "on the server" by writing there. Everything runs in the mount namespace that {@code ip netns exec}
 * makes for rpc.mountd, so the binds, proc and the nfsd file system go when mountd goes.
 *
 * <p>{@link #stopNfsd()} ends the NFS service (no threads, nothing listens on 2049) while the namespace still
 * answers ping; {@link #close()} also unexports, ends rpc.mountd (by its PID) and never throws.
 */
final class NfsServer implements AutoCloseable {
    /** NFSv4's shortest grace period: the server refuses OPEN for that long after it starts. */
    private static final int GRACE_S = 10;
    private static final long READY_TIMEOUT_MS = 60_000;

    private final String ns;
    private final Path root;
    private final Process mountd;
    private boolean nfsdStopped;

    private NfsServer(final String ns, final Path root, final Process mountd) {
        this.ns = ns;
        this.root = root;
        this.mountd = mountd;
    }

    /**
     * Starts the server in namespace {@code ns}, exporting {@code export} (an absolute path under the server's
     * root, made here) read-write to {@code clients} (an address or CIDR), and waits until it serves: rpc.mountd
     * listens to the kernel's export requests and the grace period after the start has ended.
     */
    static NfsServer start(final String ns, final Path root, final String export, final String clients)
            throws IOException, InterruptedException {
        prepareRoot(root);
        Files.createDirectories(root.resolve(export.substring(1)));
        final String r = root.toString();
        final String script = String.join("\n",
            "set -e",
            "mount --bind /usr '" + r + "/usr'",
            "mount --bind /etc '" + r + "/etc'",
            "mount -t proc proc '" + r + "/proc'",
            "mount -t nfsd nfsd '" + r + "/proc/fs/nfsd'",
            "echo " + GRACE_S + " > '" + r + "/proc/fs/nfsd/nfsv4gracetime'",
            "echo " + GRACE_S + " > '" + r + "/proc/fs/nfsd/nfsv4leasetime'",
            "chroot '" + r + "' /usr/sbin/exportfs -i -o rw,fsid=1,no_subtree_check,no_root_squash " + clients + ":"
                + export,
            "chroot '" + r + "' /usr/sbin/rpc.nfsd -N 3 --no-udp 2",
            // mountd answers the kernel's export upcalls; exec keeps the PID, so the fixture ends it by PID
            "exec chroot '" + r + "' /usr/sbin/rpc.mountd -N 2 -N 3 --no-udp -F");
        final Process p = new ProcessBuilder("ip", "netns", "exec", ns, "sh", "-c", script)
            .redirectErrorStream(true).redirectOutput(root.resolve("server.log").toFile()).start();
        p.getOutputStream().close();
        final NfsServer s = new NfsServer(ns, root, p);
        try {
            s.awaitReady();
            return s;
        } catch (IOException | InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The server's root and the binds it needs (/usr, /etc; the merged-/usr links like /bin as links). */
    private static void prepareRoot(final Path root) throws IOException {
        for (final String d : List.of("usr", "etc", "proc", "run", "tmp", "var/lib/nfs")) {
            Files.createDirectories(root.resolve(d));
        }
        for (final String l : List.of("bin", "sbin", "lib", "lib64")) {
            final Path host = Path.of("/", l);
            if (Files.isSymbolicLink(host)) {
                Files.createSymbolicLink(root.resolve(l), Files.readSymbolicLink(host));
            } else if (Files.isDirectory(host)) {
                throw new IOException("/" + l + " is a directory here, not a link into /usr: the NFS server fixture "
                    + "binds only /usr and /etc into its root");
            }
        }
        // exportfs fails (exit 1) when it cannot read the export table it then writes
        for (final String f : List.of("etab", "rmtab")) {
            Files.writeString(root.resolve("var/lib/nfs").resolve(f), "");
        }
    }

    /** Waits, bounded, for mountd to hold the export channel and for the grace period to end. */
    private void awaitReady() throws IOException, InterruptedException {
        final long deadlineNs = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
        final Path endGrace = Path.of("/proc", Long.toString(mountd.pid()), "root/proc/fs/nfsd/v4_end_grace");
        while (true) {
            if (!mountd.isAlive()) {
                throw new IOException("the NFS server in " + ns + " did not start (exit " + mountd.exitValue()
                    + "): " + log());
            }
            if (listening() && Files.readString(endGrace, StandardCharsets.US_ASCII).strip().equals("Y")) {
                return;
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new IOException("the NFS server in " + ns + " did not become ready within " + READY_TIMEOUT_MS
                    + " ms: " + log());
            }
            Thread.sleep(100);
        }
    }

    /** Whether rpc.mountd has the kernel's export cache channel open (it answers the kernel's upcalls). */
    private boolean listening() throws IOException {
        final Path fds = Path.of("/proc", Long.toString(mountd.pid()), "fd");
        try (var s = Files.list(fds)) {
            for (final Path fd : s.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().endsWith("nfsd.export/channel")) {
                        return true;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return false;
    }

    /** The server's output so far (exportfs, rpc.nfsd, rpc.mountd), for failure messages. */
    String log() {
        try {
            return Files.readString(root.resolve("server.log"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    /** The directory the export serves, as this process sees it. */
    Path exported(final String export) {
        return root.resolve(export.substring(1));
    }

    /** Ends the NFS service: no nfsd threads, nothing listens on 2049; the namespace still answers ping. */
    void stopNfsd() throws IOException {
        inServer("/usr/sbin/rpc.nfsd", "0");
        nfsdStopped = true;
    }

    private void inServer(final String... cmd) throws IOException {
        if (!mountd.isAlive()) {
            throw new IOException("rpc.mountd of the NFS server in " + ns + " is gone: " + log());
        }
        // mountd's mount namespace (the binds, the nfsd file system), network namespace and root
        final List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(mountd.pid()), "-m", "-n",
            "-r"));
        full.addAll(List.of(cmd));
        Netns.run(full.toArray(String[]::new));
    }

    /** Unexports, ends nfsd's threads and rpc.mountd; the mounts made for the server go with mountd. */
    @Override
    public void close() {
        if (mountd.isAlive()) {
            try {
                inServer("/usr/sbin/exportfs", "-ua");
            } catch (IOException e) {
                System.err.println("NFS server in " + ns + ": exportfs -ua: " + e.getMessage());
            }
            if (!nfsdStopped) {
                try {
                    stopNfsd();
                } catch (IOException e) {
                    System.err.println("NFS server in " + ns + ": rpc.nfsd 0: " + e.getMessage());
                }
            }
            mountd.destroy();
            try {
                if (!mountd.waitFor(10, TimeUnit.SECONDS)) {
                    mountd.destroyForcibly();
                    mountd.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                mountd.destroyForcibly();
            }
        } else if (!nfsdStopped) {
            // mountd died early: its mount namespace is gone, so mount the namespace's nfsd file system again
            try {
                Netns.tryRun("ip", "netns", "exec", ns, "sh", "-c",
                    "mount -t nfsd nfsd /proc/fs/nfsd && /usr/sbin/rpc.nfsd 0");
            } catch (IOException e) {
                System.err.println("NFS server in " + ns + ": rpc.nfsd 0: " + e.getMessage());
            }
        }
    }
}
