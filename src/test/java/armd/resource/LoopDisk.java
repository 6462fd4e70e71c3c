package armd.resource;

import armd.it.Netns;
import armd.sys.mount.Mount;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Test fixture: an ext4 file system on a loop device over a sparse file in a fresh temporary directory. Close
 * unmounts anything left on its mount point, detaches the loop device and removes the directory, even after
 * a failed test.
 */
final class LoopDisk implements AutoCloseable {
    private final Path dir;
    private final Path image;
    private final String device;

    private LoopDisk(final Path dir, final Path image, final String device) {
        this.dir = dir;
        this.image = image;
        this.device = device;
    }

    /** A {@code sizeMb} MiB ext4 loop disk. */
    static LoopDisk create(final int sizeMb) throws IOException {
        final Path dir = Files.createTempDirectory("armd-loop");
        final Path image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(sizeMb * 1024L * 1024L);
        }
        final String device;
        try {
            device = Netns.run("losetup", "--find", "--show", image.toString()).strip();
        } catch (IOException e) {
            deleteTree(dir);
            throw e;
        }
        final LoopDisk d = new LoopDisk(dir, image, device);
        try {
            Netns.run("mkfs.ext4", "-q", "-F", device);
        } catch (IOException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** The loop device, e.g. /dev/loop3. */
    String device() {
        return device;
    }

    /** A path inside the fixture's directory (for mount points and scripts). */
    Path path(final String name) {
        return dir.resolve(name);
    }

    /** Whether {@code mountPoint} has this device mounted right now. */
    boolean mountedOn(final Path mountPoint) throws IOException {
        final MountTable.Entry e = MountTable.read().at(mountPoint.toString());
        return e != null && e.source().equals(device);
    }

    @Override
    public void close() {
        try {
            for (final MountTable.Entry e : MountTable.read().entries().reversed()) {
                if (e.mountPoint().startsWith(dir.toString())) {
                    Mount.umount2(e.mountPoint(), Mount.MNT_DETACH);
                }
            }
        } catch (IOException ignored) {
            // nothing readable: nothing to unmount
        }
        try {
            Netns.tryRun("losetup", "-d", device);
        } catch (IOException ignored) {
            // best effort
        }
        deleteTree(dir);
    }

    private static void deleteTree(final Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return device + " on " + image;
    }
}
