package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An eventfd(2): lets other threads wake a thread out of poll(2). Non-blocking, close-on-exec.
 * {@link #signal()} is thread-safe and allocates nothing; {@link #drain()} is called only on the polling thread.
 */
public final class EventFd implements AutoCloseable {
    /** EFD_NONBLOCK (include/uapi/linux/eventfd.h: O_NONBLOCK on x86_64 and aarch64). */
    static final int EFD_NONBLOCK = 0x800;
    /** EFD_CLOEXEC (O_CLOEXEC on x86_64 and aarch64). */
    static final int EFD_CLOEXEC = 0x80000;

    private final int fd;
    private final MemorySegment one;
    private final MemorySegment sink;

    /** Opens a new eventfd; {@code what} names its owner in the error when the kernel refuses one. */
    public EventFd(final String what) {
        fd = Errno.check(Libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd", what);
        // shared: any thread signals; the counter's value is the same 1 for every writer
        final Arena arena = Arena.ofAuto();
        one = arena.allocate(8, 8);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        sink = arena.allocate(8, 8);
    }

    /** Opens a new eventfd for a wakeup. */
    public EventFd() {
        this("wakeup");
    }

    /** The descriptor, for poll(2). */
    public int fd() {
        return fd;
    }

    /**
     * Wakes the poller (adds one to the counter). write(2) of 8 bytes to an eventfd is atomic, so concurrent
     * signals need no lock; a full counter (EAGAIN) already means "signalled".
     */
    public void signal() {
        Libc.write(fd, one, 8);
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
