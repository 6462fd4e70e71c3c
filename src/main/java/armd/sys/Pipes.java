package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Writing to an inherited descriptor (a pipe to a parent process): not for hot paths. */
public final class Pipes {
    /** F_SETFD and FD_CLOEXEC, from <fcntl.h>. */
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    private Pipes() {
    }

    /** Marks {@code fd} close-on-exec (children such as scripts do not inherit it); 0 or -errno. */
    public static int closeOnExec(final int fd) {
        return Math.min(0, Libc.fcntl(fd, F_SETFD, FD_CLOEXEC));
    }

    /**
     * Writes {@code bytes} with one write(2) (a pipe takes up to PIPE_BUF bytes whole, so a reader never sees half
     * of it even when this process dies right after); returns the bytes written or -errno (-EPIPE: the reader is
     * gone).
     */
    public static long write(final int fd, final byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment seg = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            return Libc.write(fd, seg, bytes.length);
        }
    }
}
