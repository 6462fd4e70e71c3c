package armd.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file's content so that a crash (kill -9, power loss) at any moment leaves either the old or the
 * new content under its name, never a mix: write a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory.
 *
 * <p>One writer per target file: the temporary name is fixed ({@code .NAME.tmp}), so a leftover from a crash
 * is simply overwritten by the next write, and readers never look at it.
 */
public final class AtomicFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFile() {
    }

    /** The temporary file {@link #write} uses for {@code target}. */
    public static Path tempFor(final Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp");
    }

    /** Atomically replaces (or creates) {@code target} with {@code content}, mode 0600. */
    public static void write(final Path target, final byte[] content) throws IOException {
        write(target, content, true);
    }

    /**
     * Writes {@code content} to {@code target} atomically, mode 0600. With {@code replace} false it fails with
     * {@link FileAlreadyExistsException} when {@code target} exists, without a window where another writer's
     * file could be overwritten (link(2) is used instead of rename(2)).
     */
    public static void write(final Path target, final byte[] content, final boolean replace) throws IOException {
        final Path abs = target.toAbsolutePath();
        final Path dir = abs.getParent();
        final Path temp = tempFor(abs);
        Files.deleteIfExists(temp);
        final FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
        // whatever step fails (create, write, fsync, rename: a full or failing disk), the target keeps its old
        // content and the temporary file is removed, so a full disk is not made fuller by failed saves
        boolean placed = false;
        try {
            try (FileChannel ch = FileChannel.open(temp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), mode)) {
                final ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (replace) {
                try {
                    Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("cannot replace " + abs + " atomically: " + e.getMessage(), e);
                }
            } else {
                Files.createLink(abs, temp);
            }
            placed = true;
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                if (placed) {
                    throw e;
                }
                // the first failure is the one to report; the next write removes the leftover
            }
        }
        syncDirectory(dir);
    }

    /** fsync(2) of a directory, so a rename or a new entry in it is durable. */
    public static void syncDirectory(final Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
