package armd.resource;

import armd.sys.mount.Mount;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code mount-options} value split the way mount(8) splits it: generic options become mount(2) flags, the
 * rest is the file system's data string (e.g. {@code data=ordered} for ext4). Pure, no system calls.
 *
 * @param flags MS_* flags
 * @param data  the comma-separated file-system options, possibly empty
 */
public record MountOptions(long flags, String data) {

    /** Splits {@code options} (comma-separated, possibly empty). */
    public static MountOptions parse(final String options) {
        long flags = 0;
        final List<String> data = new ArrayList<>();
        for (final String raw : options.split(",")) {
            final String o = raw.strip();
            switch (o) {
                // fstab-only words: meaningless to mount(2)
                case "", "defaults", "auto", "noauto", "nofail", "_netdev", "user", "nouser", "users", "owner" -> {
                }
                case "ro" -> flags |= Mount.MS_RDONLY;
                case "rw" -> flags &= ~Mount.MS_RDONLY;
                case "nosuid" -> flags |= Mount.MS_NOSUID;
                case "suid" -> flags &= ~Mount.MS_NOSUID;
                case "nodev" -> flags |= Mount.MS_NODEV;
                case "dev" -> flags &= ~Mount.MS_NODEV;
                case "noexec" -> flags |= Mount.MS_NOEXEC;
                case "exec" -> flags &= ~Mount.MS_NOEXEC;
                case "sync" -> flags |= Mount.MS_SYNCHRONOUS;
                case "async" -> flags &= ~Mount.MS_SYNCHRONOUS;
                case "dirsync" -> flags |= Mount.MS_DIRSYNC;
                case "noatime" -> flags |= Mount.MS_NOATIME;
                case "atime" -> flags &= ~Mount.MS_NOATIME;
                case "nodiratime" -> flags |= Mount.MS_NODIRATIME;
                case "diratime" -> flags &= ~Mount.MS_NODIRATIME;
                case "relatime" -> flags |= Mount.MS_RELATIME;
                case "norelatime" -> flags &= ~Mount.MS_RELATIME;
                case "strictatime" -> flags |= Mount.MS_STRICTATIME;
                case "lazytime" -> flags |= Mount.MS_LAZYTIME;
                case "nolazytime" -> flags &= ~Mount.MS_LAZYTIME;
                case "nosymfollow" -> flags |= Mount.MS_NOSYMFOLLOW;
                case "mand" -> flags |= Mount.MS_MANDLOCK;
                case "nomand" -> flags &= ~Mount.MS_MANDLOCK;
                default -> data.add(o);
            }
        }
        return new MountOptions(flags, String.join(",", data));
    }
}
