package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An eventfd(2): lets other threads wake the agent thread out of poll(2). Non-blocking, close-on-exec.
 * {@link #signal()} is thread-safe; {@link #drain()} is called only on the polling thread.
 */
public final class EventFd implements AutoCloseable {
    /** eventfd2(2) on x86_64 (asm/unistd_64.h); aarch64 has no eventfd2 number clash: 19 there. */
    private static final long SYS_EVENTFD2 = "aarch64".equals(System.getProperty("os.arch")) ? 19 : 290;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;

    private final int fd;
    private final MemorySegment one;
    private final MemorySegment sink;

    /** Opens a new eventfd. */
    public EventFd() {
        fd = (int) Errno.check(Libc.syscall(SYS_EVENTFD2, 0, EFD_NONBLOCK | EFD_CLOEXEC, 0), "eventfd2", "wakeup");
        final Arena arena = Arena.ofAuto();
        one = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        sink = arena.allocate(8);
    }

    /** The descriptor, for poll(2). */
    public int fd() {
        return fd;
    }

    /** Wakes the poller (adds one to the counter). */
    public void signal() {
        synchronized (one) {
            Libc.write(fd, one, 8);
        }
    }

    /** Clears the counter; returns whether it was signalled. */
    public boolean drain() {
        return Libc.read(fd, sink, 8) == 8;
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
