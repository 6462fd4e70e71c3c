package armd.it;

import armd.resource.MountTable;
import armd.sys.disk.Ext4Shutdown;
import armd.sys.mount.Mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Test fixture: a loop device in a fresh temporary directory, blank or with an ext4 file system, whose I/O can
 * be made to fail with a real EIO. The device's backing file lives on a small ext4 file system of its own (itself
 * on a loop device, mounted in the directory); {@link #injectIoError()} shuts that file system down with
 * EXT4_IOC_SHUTDOWN, after which every read and write of the device fails with EIO, as a dead disk path does.
 * (Detaching the device with {@code losetup -d} does not work while it is open: the kernel only marks it for
 * autoclear; {@code blockdev --setro} gives EPERM on writes, not EIO, and the flag outlives the device.)
 * Two faults heal (this kernel has no device mapper, so no dm-error or {@code dmsetup suspend}):
 * {@link #removeMedium()} shrinks the device to nothing (writes fail with ENOSPC, reads return 0 bytes, as when a
 * disk's medium is gone) until {@link #restoreMedium()}; {@link #freeze()} freezes the backing file system
 * (fsfreeze), so every I/O of the device blocks in the kernel until {@link #thaw()}, as on a disk that does not
 * answer.
 * {@link #close()} unmounts anything left in the directory, detaches the device and removes the directory, even
 * after a failed test. Needs root.
 */
public final class LoopDisk implements AutoCloseable {
    private final Path dir;
    private final Path backing;
    private final int sizeMb;
    private boolean backingMounted;
    private boolean frozen;
    private String device;

    private LoopDisk(final int sizeMb) throws IOException {
        dir = Files.createTempDirectory("armd-loop");
        backing = dir.resolve("backing");
        this.sizeMb = sizeMb;
        try {
            final Path image = dir.resolve("backing.img");
            Netns.run("truncate", "-s", (sizeMb + 16) + "M", image.toString());
            Netns.run("mkfs.ext4", "-q", "-F", image.toString());
            Files.createDirectories(backing);
            Netns.run("mount", "-o", "loop", image.toString(), backing.toString());
            backingMounted = true;
            final Path file = backing.resolve("disk.img");
            Netns.run("truncate", "-s", sizeMb + "M", file.toString());
            device = Netns.run("losetup", "--find", "--show", file.toString()).strip();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A blank {@code sizeMb} MiB loop disk (all zeros, no file system). */
    public static LoopDisk blank(final int sizeMb) throws IOException {
        return new LoopDisk(sizeMb);
    }

    /** A {@code sizeMb} MiB loop disk with an ext4 file system, not mounted. */
    public static LoopDisk ext4(final int sizeMb) throws IOException {
        final LoopDisk d = new LoopDisk(sizeMb);
        try {
            Netns.run("mkfs.ext4", "-q", "-F", d.device);
        } catch (IOException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** The loop device, e.g. /dev/loop3. */
    public String device() {
        return device;
    }

    /** A path inside the fixture's directory (for mount points and scripts). */
    public Path path(final String name) {
        return dir.resolve(name);
    }

    /** Mounts the device's file system on {@link #path}({@code name}), made here; close() unmounts it. */
    public Path mount(final String name) throws IOException {
        final Path mountPoint = Files.createDirectories(path(name));
        Netns.run("mount", device, mountPoint.toString());
        return mountPoint;
    }

    /** Whether {@code mountPoint} has this device mounted right now. */
    public boolean mountedOn(final Path mountPoint) throws IOException {
        final MountTable.Entry e = MountTable.read().at(mountPoint.toString());
        return e != null && e.source().equals(device);
    }

    /** From now on every read and write of the device fails with EIO. */
    public void injectIoError() {
        Ext4Shutdown.shutdown(backing);
    }

    /** From now on the device has no sectors: writes fail with ENOSPC, reads transfer nothing. Heals. */
    public void removeMedium() throws IOException {
        // a write to the device between the truncation and the new capacity grows the file again: repeat until the
        // device has no sector left (then no write reaches the file)
        for (int i = 0; i < 50; i++) {
            Netns.run("truncate", "-s", "0", backing.resolve("disk.img").toString());
            Netns.run("losetup", "--set-capacity", device);
            if (Netns.run("blockdev", "--getsize64", device).strip().equals("0")) {
                return;
            }
        }
        throw new IOException(device + " still has sectors after 50 truncations of its backing file");
    }

    /** The device has its size again, every sector zero (what was written before the removal is gone). */
    public void restoreMedium() throws IOException {
        Netns.run("truncate", "-s", sizeMb + "M", backing.resolve("disk.img").toString());
        Netns.run("losetup", "--set-capacity", device);
    }

    /** From now on every I/O of the device blocks in the kernel until {@link #thaw()} (close() thaws too). */
    public void freeze() throws IOException {
        Netns.run("fsfreeze", "--freeze", backing.toString());
        frozen = true;
    }

    /** Blocked and later I/O of the device completes again. */
    public void thaw() throws IOException {
        if (frozen) {
            Netns.run("fsfreeze", "--unfreeze", backing.toString());
            frozen = false;
        }
    }

    /** Unmounts what is left in the directory, detaches the device, removes everything; never throws. */
    @Override
    public void close() {
        try {
            thaw();
        } catch (IOException ignored) {
            // best effort: the unmount below reports nothing either
        }
        try {
            for (final MountTable.Entry e : MountTable.read().entries().reversed()) {
                if (e.mountPoint().startsWith(dir.toString()) && !e.mountPoint().equals(backing.toString())) {
                    Mount.umount2(e.mountPoint(), Mount.MNT_DETACH);
                }
            }
        } catch (IOException ignored) {
            // nothing readable: nothing to unmount
        }
        try {
            if (device != null) {
                Netns.tryRun("losetup", "-d", device);
            }
            if (backingMounted) {
                // the device's release is asynchronous: retry the unmount a few times
                for (int i = 0; i < 50 && Netns.tryRun("umount", backing.toString()).exitCode() != 0; i++) {
                    Thread.sleep(100);
                }
            }
        } catch (IOException | InterruptedException e) {
            // best effort
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return device + " in " + dir;
    }
}
