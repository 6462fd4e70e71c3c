package armd.sys.mount;

import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * mount(2) and umount2(2), built once, returning 0 or {@code -errno} like {@code armd.sys.Libc}. Not a hot
 * path: the String overloads allocate their arguments in a confined arena per call.
 *
 * <p>Thread-safe: handles are immutable; errno is captured in Libc's per-thread segment.
 */
public final class Mount {
    // mount flags: linux/mount.h (uapi), the same values on x86_64 and aarch64
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOSYMFOLLOW = 256;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_MOVE = 8192;
    public static final long MS_REC = 16384;
    public static final long MS_SILENT = 32768;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_STRICTATIME = 1 << 24;
    public static final long MS_LAZYTIME = 1 << 25;

    // umount2 flags: linux/fs.h / sys/mount.h
    /** Force unmount (NFS: abort pending requests). */
    public static final int MNT_FORCE = 1;
    /** Lazy unmount: detach now, release the file system when it is no longer busy. */
    public static final int MNT_DETACH = 2;
    /** Do not follow a symbolic link as the target. */
    public static final int UMOUNT_NOFOLLOW = 8;

    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    /** int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data). */
    private static final MethodHandle MOUNT = Libc.errnoCall("mount",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, PTR, PTR, PTR, ValueLayout.JAVA_LONG, PTR));
    /** int umount2(const char *target, int flags). */
    private static final MethodHandle UMOUNT2 = Libc.errnoCall("umount2",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, PTR, ValueLayout.JAVA_INT));

    private Mount() {
    }

    /** mount(2) with NUL-terminated strings ({@code data} may be {@link MemorySegment#NULL}): 0 or -errno. */
    public static int mount(final MemorySegment source, final MemorySegment target, final MemorySegment fsType,
                            final long flags, final MemorySegment data) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) MOUNT.invokeExact(c, source, target, fsType, flags, data), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** umount2(2): 0 or -errno. */
    public static int umount2(final MemorySegment target, final int flags) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) UMOUNT2.invokeExact(c, target, flags), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Mounts {@code source} on {@code target}; empty {@code data} passes NULL. 0 or -errno. Allocates. */
    public static int mount(final String source, final String target, final String fsType, final long flags,
                            final String data) {
        try (Arena a = Arena.ofConfined()) {
            return mount(a.allocateFrom(source), a.allocateFrom(target), a.allocateFrom(fsType), flags,
                data.isEmpty() ? MemorySegment.NULL : a.allocateFrom(data));
        }
    }

    /** Unmounts {@code target}. 0 or -errno. Allocates. */
    public static int umount2(final String target, final int flags) {
        try (Arena a = Arena.ofConfined()) {
            return umount2(a.allocateFrom(target), flags);
        }
    }
}
