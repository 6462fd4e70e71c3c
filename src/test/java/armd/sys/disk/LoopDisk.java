package armd.sys.disk;

import armd.it.Netns;
import armd.sys.Errno;
import armd.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test fixture: a loop device whose I/O can be made to fail with a real EIO. The device's backing file lives on
 * a small ext4 file system (itself on a loop device); {@link #injectIoError()} shuts that file system down with
 * EXT4_IOC_SHUTDOWN, after which every read and write of the device fails with EIO, as a dead disk path does.
 * (Detaching the device with {@code losetup -d} does not work while it is open: the kernel only marks it for
 * autoclear; {@code blockdev --setro} gives EPERM on writes, not EIO, and the flag outlives the device.)
 * {@link #close()} removes everything. Needs root.
 */
public final class LoopDisk implements AutoCloseable {
    /** EXT4_IOC_SHUTDOWN = _IOR('X', 125, __u32) (linux/ext4.h; the same number as XFS_IOC_GOINGDOWN). */
    static final long EXT4_IOC_SHUTDOWN = 0x8004587dL;
    /** EXT4_GOING_FLAGS_NOLOGFLUSH: stop at once, without flushing the journal. */
    static final int EXT4_GOING_FLAGS_NOLOGFLUSH = 2;

    private final Path dir;
    private final Path mount;
    private String device;
    private boolean mounted;

    /** Makes the file system image in {@code dir}, mounts it and attaches a {@code sizeMb} device. */
    public LoopDisk(final Path dir, final int sizeMb) throws IOException {
        this.dir = dir;
        this.mount = dir.resolve("mnt");
        final Path image = dir.resolve("fs.img");
        Netns.run("truncate", "-s", (sizeMb + 16) + "M", image.toString());
        Netns.run("mkfs.ext4", "-q", "-F", image.toString());
        Files.createDirectories(mount);
        try {
            Netns.run("mount", "-o", "loop", image.toString(), mount.toString());
            mounted = true;
            final Path backing = mount.resolve("disk.img");
            Netns.run("truncate", "-s", sizeMb + "M", backing.toString());
            device = Netns.run("losetup", "-f", "--show", backing.toString()).strip();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The loop device, e.g. /dev/loop3. */
    public String device() {
        return device;
    }

    /** From now on every read and write of the device fails with EIO. */
    public void injectIoError() {
        try (Arena a = Arena.ofConfined()) {
            final int fd = Errno.check(Libc.open(a.allocateFrom(mount.toString()), 0, 0), "open", mount.toString());
            try {
                final MemorySegment flags = a.allocate(ValueLayout.JAVA_INT);
                flags.set(ValueLayout.JAVA_INT, 0, EXT4_GOING_FLAGS_NOLOGFLUSH);
                Errno.check(Libc.ioctl(fd, EXT4_IOC_SHUTDOWN, flags), "ioctl(EXT4_IOC_SHUTDOWN)", mount.toString());
            } finally {
                Libc.close(fd);
            }
        }
    }

    /** Detaches the device, unmounts and deletes the image; never throws. */
    @Override
    public void close() {
        try {
            if (device != null) {
                Netns.tryRun("losetup", "-d", device);
            }
            if (mounted) {
                // the device's release is asynchronous: retry the unmount a few times
                for (int i = 0; i < 50 && Netns.tryRun("umount", mount.toString()).exitCode() != 0; i++) {
                    Thread.sleep(100);
                }
            }
            Files.deleteIfExists(dir.resolve("fs.img"));
        } catch (IOException | InterruptedException e) {
            // best effort
        }
    }
}
