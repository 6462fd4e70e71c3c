package armd.resource;

import armd.sys.Errno;
import armd.sys.mount.Mount;

import java.io.IOException;
import java.nio.file.Path;

/** Releases a mount point for the disk and NFS resources: umount2, with a lazy detach only as a logged fallback. */
final class Unmount {
    /** umount2 tries while the file system is busy (processes the stop script is still ending). */
    static final int BUSY_TRIES = 3;
    static final int BUSY_PAUSE_MS = 200;

    private Unmount() {
    }

    /** The mount table, or null when it cannot be read (then the caller just tries). */
    static MountTable table() {
        try {
            return MountTable.read();
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether something is mounted on {@code mountPoint} (unknown when the table cannot be read: false). */
    static boolean mounted(final Path mountPoint) {
        final MountTable t = table();
        return t != null && t.at(mountPoint.toString()) != null;
    }

    /** Unmounts {@code mountPoint}; not mounted is fine. Logs every step; never throws for an expected errno. */
    static void unmount(final GroupContext a, final String resource, final Path mountPoint) {
        final String mp = mountPoint.toString();
        final MountTable t = table();
        if (t != null && t.at(mp) == null) {
            a.log(resource, mp + " is not mounted: nothing to unmount");
            return;
        }
        int rc = 0;
        for (int i = 1; i <= BUSY_TRIES; i++) {
            rc = Mount.umount2(mp, Mount.UMOUNT_NOFOLLOW);
            if (rc != -Errno.EBUSY || i == BUSY_TRIES || !a.pause(BUSY_PAUSE_MS)) {
                break;
            }
        }
        if (rc == 0) {
            a.log(resource, mp + " unmounted");
        } else if (rc == -Errno.EINVAL) {
            a.log(resource, mp + " is not a mount point: nothing to unmount");
        } else if (rc == -Errno.EBUSY) {
            // the stop script did not end every user of the mount point; detaching keeps the group moving, but
            // the file system stays alive until the last user closes it: say so loudly
            final int lazy = Mount.umount2(mp, Mount.MNT_DETACH | Mount.UMOUNT_NOFOLLOW);
            a.warning(resource, mp + " is still busy after " + BUSY_TRIES + " tries: " + (lazy == 0
                ? "detached lazily (MNT_DETACH); the file system is released only when its last user exits: "
                + "make the stop script end them (armrelpath " + mp + ")"
                : "lazy detach failed too (" + Errno.describe(-lazy) + "): find its users with 'fuser -vm " + mp
                + "' and unmount it by hand"));
        } else {
            a.error(resource, "unmounting " + mp + " failed: " + Errno.describe(-rc) + ": unmount it by hand");
        }
    }
}
