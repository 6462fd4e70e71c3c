package armd.it;

import armd.sys.mount.Mount;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Test fixture: a small tmpfs mounted on a directory, that a test fills up for real ({@link #fill()}: a file
 * written until the kernel says ENOSPC) and frees again ({@link #free()}). {@link #close()} unmounts it, even
 * after a failed test. Needs root.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path mountPoint;
    private final Path filler;
    private boolean mounted;

    private Tmpfs(final Path mountPoint, final String options) throws IOException {
        this.mountPoint = mountPoint;
        this.filler = mountPoint.resolve(".filler");
        Files.createDirectories(mountPoint);
        Netns.run("mount", "-t", "tmpfs", "-o", options, "tmpfs", mountPoint.toString());
        mounted = true;
    }

    /** A tmpfs of {@code sizeKb} KiB on {@code mountPoint} (made when missing), its root directory 0700. */
    public static Tmpfs mount(final Path mountPoint, final int sizeKb) throws IOException {
        return new Tmpfs(mountPoint, "size=" + sizeKb + "k,mode=0700");
    }

    /** A tmpfs with room for only {@code inodes} inodes (its root directory is one). */
    public static Tmpfs withInodes(final Path mountPoint, final int sizeKb, final int inodes) throws IOException {
        return new Tmpfs(mountPoint, "size=" + sizeKb + "k,nr_inodes=" + inodes + ",mode=0700");
    }

    /**
     * Skips the calling test loudly when not root, except under CI=true, where it fails: CI runs as root, so a
     * skip there would let the build pass without these cases.
     */
    public static void requireRoot(final String what) {
        if (armd.sys.Libc.geteuid() == 0) {
            return;
        }
        final String why = what + " needs root (mounts)";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(why + " (CI=true: it must run, so this fails instead of skipping)");
        }
        System.err.println("*** SKIPPED: " + why + " ***");
        Assumptions.abort(why);
    }

    /** The mount point. */
    public Path path() {
        return mountPoint;
    }

    /** Writes a filler file until the file system is full (ENOSPC); returns its size in bytes. */
    public long fill() throws IOException {
        long written = 0;
        final byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            // bounded: a tmpfs of the sizes tests use is full after a few hundred chunks
            for (int i = 0; i < 1 << 20; i++) {
                out.write(chunk);
                out.flush();
                written += chunk.length;
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
            return written;
        }
        throw new IOException(mountPoint + " did not fill up after " + written + " bytes");
    }

    /** Removes the filler: the file system has room again. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    /**
     * Makes the file system's root directory immutable ({@code true}: chattr +i, nothing can be created, renamed or
     * removed in it, EPERM) or writable again. A stand-in for a read-only file system where a remount cannot be
     * had: the kernel refuses to remount read-only while a file on it is open for writing (an agent's lock file).
     */
    public void immutable(final boolean immutable) throws IOException {
        Netns.run("chattr", immutable ? "+i" : "-i", mountPoint.toString());
    }

    /** Unmounts (lazily when busy) and removes the mount point; never throws. */
    @Override
    public void close() {
        if (mounted) {
            mounted = false;
            Mount.umount2(mountPoint.toString(), Mount.MNT_DETACH);
        }
        try {
            Files.deleteIfExists(mountPoint);
        } catch (IOException ignored) {
            // not empty underneath: the caller's directory cleanup removes it
        }
    }
}
