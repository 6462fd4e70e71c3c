package armd.sys.disk;

import armd.sys.Errno;
import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Test helper: shuts a mounted ext4 file system down with EXT4_IOC_SHUTDOWN, after which every read and write
 * of its files fails with EIO, as a dead disk path does. (The loop-device fixture {@code armd.it.LoopDisk} keeps
 * its device's backing file on such a file system; the FFM call lives here, in armd.sys.)
 */
public final class Ext4Shutdown {
    /** EXT4_IOC_SHUTDOWN = _IOR('X', 125, __u32) (linux/ext4.h; the same number as XFS_IOC_GOINGDOWN). */
    static final long EXT4_IOC_SHUTDOWN = 0x8004587dL;
    /** EXT4_GOING_FLAGS_NOLOGFLUSH: stop at once, without flushing the journal. */
    static final int EXT4_GOING_FLAGS_NOLOGFLUSH = 2;

    private Ext4Shutdown() {
    }

    /** Shuts down the ext4 file system mounted on {@code mountPoint}; needs root. */
    public static void shutdown(final Path mountPoint) {
        final String target = mountPoint.toString();
        try (Arena a = Arena.ofConfined()) {
            final int fd = Errno.check(Libc.open(a.allocateFrom(target), 0, 0), "open", target);
            try {
                final MemorySegment flags = a.allocate(ValueLayout.JAVA_INT);
                flags.set(ValueLayout.JAVA_INT, 0, EXT4_GOING_FLAGS_NOLOGFLUSH);
                Errno.check(Libc.ioctl(fd, EXT4_IOC_SHUTDOWN, flags), "ioctl(EXT4_IOC_SHUTDOWN)", target);
            } finally {
                Libc.close(fd);
            }
        }
    }
}
