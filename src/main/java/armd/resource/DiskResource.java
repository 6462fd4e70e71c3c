package armd.resource;

import armd.config.ClusterConfig;
import armd.probe.ProbeOutcome;
import armd.probe.TurProbe;
import armd.probe.TurResult;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.mount.Mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A switchable disk partition (docs/behaviour.md#disk-partition): TEST UNIT READY when the device takes SG_IO, fsck
 * when configured, then mount(2); released by unmounting after the stop script. A failure here makes ARMS_DISK FAILURE
 * for the start script.
 */
final class DiskResource implements GroupResource {
    private final ClusterConfig.Disk disk;

    DiskResource(final ClusterConfig.Disk disk) {
        this.disk = disk;
    }

    @Override
    public ClusterConfig.Disk config() {
        return disk;
    }

    @Override
    public String activate(final GroupContext a) {
        final long startNs = System.nanoTime();
        final String dev = disk.device().toString();
        final String mp = disk.mountPoint().toString();
        final String what = "disk " + dev + " (resource " + disk.name() + ")";
        final MountTable t = Unmount.table();
        final MountTable.Entry on = t == null ? null : t.at(mp);
        if (on != null) {
            if (sameDevice(on.source(), disk.device())) {
                a.log(disk.name(), dev + " is already mounted on " + mp + ": keeping it");
                return null;
            }
            return what + ": " + mp + " already has " + on.source() + " (" + on.fsType() + ") mounted: unmount "
                + "it, or choose another mount-point";
        }
        if (!Files.exists(disk.device())) {
            return what + " does not exist on this server: check that the shared disk is connected (lsblk) and "
                + "the 'device' of [resource " + disk.name() + "]";
        }
        if (Files.isDirectory(disk.device()) || Files.isRegularFile(disk.device())) {
            return what + " is not a block device: give the partition's device, e.g. /dev/sdb1";
        }
        final String tur = testUnitReady(a, what);
        if (tur != null) {
            return tur;
        }
        if (disk.fsck()) {
            final Commands.Result r = Commands.run(a, disk.name(), List.of(a.settings().fsckCommand(), "-a", dev),
                a.settings().fsckTimeoutMs());
            if (!r.ran()) {
                return what + ": fsck: " + r.error();
            }
            // fsck(8): 0 no errors, 1 errors corrected; anything else needs a person
            if (r.exitCode() > 1) {
                return what + ": fsck -a " + dev + " exited " + r.exitCode() + (r.exitCode() == 4
                    ? " (errors left uncorrected)" : "") + ": repair it by hand with 'fsck " + dev + "', then "
                    + "start the group again";
            }
        }
        final String dir = mountPointDirectory(a, disk.name(), disk.mountPoint());
        if (dir != null) {
            return what + ": " + dir;
        }
        final MountOptions o = MountOptions.parse(disk.mountOptions());
        final int rc = Mount.mount(dev, mp, disk.fsType(), o.flags(), o.data());
        if (rc < 0) {
            return what + ": mount on " + mp + " (" + disk.fsType() + (disk.mountOptions().isEmpty() ? ""
                : ", " + disk.mountOptions()) + ") failed: " + Errno.describe(-rc) + hint(-rc);
        }
        a.log(disk.name(), dev + " mounted on " + mp + " (" + disk.fsType()
            + (disk.mountOptions().isEmpty() ? "" : ", " + disk.mountOptions()) + ") in "
            + (System.nanoTime() - startNs) / 1_000_000 + " ms");
        return null;
    }

    /** TEST UNIT READY; null when the path works or the device has no SG_IO (and SCSI is not required). */
    private String testUnitReady(final GroupContext a, final String what) {
        final TurResult r;
        try (TurProbe p = TurProbe.open(disk.device().toString(), a.settings().turTimeoutMs())) {
            r = p.probe();
            if (r.outcome() == ProbeOutcome.HEALTHY) {
                a.log(disk.name(), "TEST UNIT READY: " + r.detail());
                return null;
            }
            if (r.reason() == TurResult.Reason.NOT_SUPPORTED) {
                if (disk.requireScsi()) {
                    return what + ": " + r.detail() + "; require-scsi = yes: connect the disk through a SCSI "
                        + "path, or set require-scsi = no";
                }
                a.warning(disk.name(), "no SCSI TEST UNIT READY on " + disk.device() + " (not a SCSI device): mounting "
                    + "without the path check (require-scsi = yes refuses such a device)");
                return null;
            }
            return what + ": TEST UNIT READY: " + r.detail() + (r.outcome() == ProbeOutcome.FAULT
                ? ": check the cable and host adapter to the shared disk" : "");
        } catch (SysException e) {
            return what + ": cannot open it for TEST UNIT READY: " + e.getMessage();
        }
    }

    /** Creates the mount point when missing (logged); null when it is a directory, else what is wrong. */
    static String mountPointDirectory(final GroupContext a, final String resource, final Path mountPoint) {
        if (Files.isDirectory(mountPoint)) {
            return null;
        }
        if (Files.exists(mountPoint)) {
            return "mount point " + mountPoint + " is not a directory: remove it or choose another mount-point";
        }
        try {
            Files.createDirectories(mountPoint);
            a.log(resource, "created mount point " + mountPoint);
            return null;
        } catch (IOException e) {
            return "cannot create mount point " + mountPoint + ": " + e.getMessage();
        }
    }

    private String hint(final int errno) {
        return switch (errno) {
            case Errno.EINVAL -> ": the file system is not " + disk.fsType() + ", or an option is wrong; check "
                + "fs-type and mount-options";
            case Errno.ENODEV -> ": the kernel does not know file system type " + disk.fsType() + " (module not "
                + "loaded?)";
            case Errno.EBUSY -> ": the device is mounted elsewhere or in use (another server still has it?)";
            case Errno.ENOTBLK -> ": not a block device";
            case Errno.EROFS -> ": the device is read-only; add 'ro' to mount-options if that is intended";
            case Errno.EPERM, Errno.EACCES -> ": run armd as root";
            default -> "";
        };
    }

    private static boolean sameDevice(final String source, final Path device) {
        try {
            return Path.of(source).toRealPath().equals(device.toRealPath());
        } catch (IOException | RuntimeException e) {
            return source.equals(device.toString());
        }
    }

    @Override
    public void deactivate(final GroupContext a) {
        Unmount.unmount(a, disk.name(), disk.mountPoint());
    }

    @Override
    public boolean held() {
        return Unmount.mounted(disk.mountPoint());
    }
}
