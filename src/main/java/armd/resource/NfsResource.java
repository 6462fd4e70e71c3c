package armd.resource;

import armd.config.ClusterConfig;
import armd.probe.IcmpProbe;
import armd.probe.ProbeOutcome;
import armd.sys.SysException;

import java.util.ArrayList;
import java.util.List;

/**
 * An NFS mount (docs/behaviour.md#nfs-mount): ping the server (ICMP echo), then {@code mount -t nfs}; released by
 * unmounting after the stop script. Counted in ARMS_DISK like a disk partition. The mount goes through the
 * mount command because NFS needs its user-space helper (mount.nfs: option parsing, rpcbind, locking).
 */
final class NfsResource implements GroupResource {
    private static final List<String> HELPERS = List.of("/sbin/mount.nfs", "/usr/sbin/mount.nfs");

    private final ClusterConfig.Nfs nfs;

    NfsResource(final ClusterConfig.Nfs nfs) {
        this.nfs = nfs;
    }

    @Override
    public ClusterConfig.Nfs config() {
        return nfs;
    }

    @Override
    public String activate(final GroupContext a) {
        final long startNs = System.nanoTime();
        final String mp = nfs.mountPoint().toString();
        final String what = "NFS " + nfs.source() + " (resource " + nfs.name() + ")";
        final MountTable t = Unmount.table();
        final MountTable.Entry on = t == null ? null : t.at(mp);
        if (on != null) {
            if (on.source().equals(nfs.source()) && on.fsType().startsWith("nfs")) {
                a.log(nfs.name(), nfs.source() + " is already mounted on " + mp + ": keeping it");
                return null;
            }
            return what + ": " + mp + " already has " + on.source() + " (" + on.fsType() + ") mounted: unmount "
                + "it, or choose another mount-point";
        }
        final String ping = ping(a);
        if (ping != null) {
            return what + ": " + ping;
        }
        final ResourceLauncher.Settings s = a.settings();
        if (Commands.find(s.mountCommand()) == null) {
            return what + ": the mount command (" + s.mountCommand() + ") is not installed: install util-linux's "
                + "mount on every server of the group's policy";
        }
        if (HELPERS.stream().noneMatch(h -> Commands.find(h) != null)) {
            return what + ": mount.nfs is not installed (package nfs-common on Debian and Ubuntu, nfs-utils on "
                + "RHEL and SUSE): install it on every server of the group's policy";
        }
        final String dir = DiskResource.mountPointDirectory(a, nfs.name(), nfs.mountPoint());
        if (dir != null) {
            return what + ": " + dir;
        }
        final List<String> cmd = new ArrayList<>(List.of(s.mountCommand(), "-t", "nfs"));
        if (!nfs.mountOptions().isEmpty()) {
            cmd.add("-o");
            cmd.add(nfs.mountOptions());
        }
        cmd.add(nfs.source());
        cmd.add(mp);
        final Commands.Result r = Commands.run(a, nfs.name(), cmd, a.commandTimeoutMs());
        if (!r.ran()) {
            return what + ": " + r.error();
        }
        if (r.exitCode() != 0) {
            return what + ": " + String.join(" ", cmd) + " exited " + r.exitCode()
                + (r.lastLine().isEmpty() ? "" : " (" + r.lastLine() + ")") + ": check the export and the options";
        }
        a.log(nfs.name(), nfs.source() + " mounted on " + mp + " in " + (System.nanoTime() - startNs) / 1_000_000
            + " ms");
        return null;
    }

    /** Null when the server answers an echo within the configured tries, else why not. */
    private String ping(final GroupContext a) {
        final ResourceLauncher.Settings s = a.settings();
        try (IcmpProbe p = IcmpProbe.open(nfs.server(), null, null)) {
            String reason = "";
            for (int i = 0; i < s.pingTries(); i++) {
                final IcmpProbe.Result r = p.probe(s.pingTimeoutMs());
                if (r.outcome() == ProbeOutcome.HEALTHY) {
                    return null;
                }
                reason = r.reason();
            }
            return "the NFS server " + armd.wire.RtnlAddr.text(nfs.server()) + " does not answer ping (" + reason + ", "
                + s.pingTries() + " tries of " + s.pingTimeoutMs() + " ms): not mounted; check the server and the "
                + "network path to it";
        } catch (SysException e) {
            return "cannot ping the NFS server " + armd.wire.RtnlAddr.text(nfs.server()) + ": " + e.getMessage();
        }
    }

    @Override
    public void deactivate(final GroupContext a) {
        Unmount.unmount(a, nfs.name(), nfs.mountPoint());
    }

    @Override
    public boolean held() {
        return Unmount.mounted(nfs.mountPoint());
    }
}
