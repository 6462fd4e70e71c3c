package armd.sys.proc;

import armd.sys.Errno;
import armd.sys.EventFd;
import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Waits with poll(2) for any of a set of descriptors to become readable, or for {@link #wakeup()} from
 * another thread (an eventfd). Used by one thread only (the waiter); {@link #wakeup()} from any thread.
 * Allocation-free once its capacity suffices.
 */
public final class PollSet implements AutoCloseable {
    /** struct pollfd (include/uapi/asm-generic/poll.h): int fd; short events; short revents; 8 bytes. */
    static final long POLLFD_SIZE = 8;
    static final long OFF_FD = 0;
    static final long OFF_EVENTS = 4;
    static final long OFF_REVENTS = 6;
    static final short POLLIN = 0x0001;
    static final short POLLERR = 0x0008;
    static final short POLLHUP = 0x0010;
    static final short POLLNVAL = 0x0020;

    private final Arena arena = Arena.ofShared();
    private final EventFd wake = new EventFd("poll set wakeup");
    private MemorySegment fds;
    private int capacity;

    /** A poll set for up to {@code capacity} descriptors (it grows when needed). */
    public PollSet(final int capacity) {
        ensureCapacity(capacity);
    }

    private void ensureCapacity(final int n) {
        if (n <= capacity) {
            return;
        }
        capacity = Math.max(n, capacity * 2);
        fds = arena.allocate(POLLFD_SIZE * (capacity + 1), 8);
    }

    /** Makes a current or the next {@link #await} return; any thread. */
    public void wakeup() {
        wake.signal();
    }

    /**
     * Waits up to {@code timeoutMs} (-1: no limit) for one of {@code watched[0..count)} to become readable (or
     * hang up / error: for a pidfd both mean the process is gone) or for a wakeup. Sets {@code ready[i]} for
     * each such descriptor and returns how many; 0 after a timeout, wakeup or signal.
     */
    public int await(final int[] watched, final int count, final int timeoutMs, final boolean[] ready) {
        ensureCapacity(count);
        fds.set(ValueLayout.JAVA_INT, OFF_FD, wake.fd());
        fds.set(ValueLayout.JAVA_SHORT, OFF_EVENTS, POLLIN);
        fds.set(ValueLayout.JAVA_SHORT, OFF_REVENTS, (short) 0);
        for (int i = 0; i < count; i++) {
            final long base = POLLFD_SIZE * (i + 1);
            fds.set(ValueLayout.JAVA_INT, base + OFF_FD, watched[i]);
            fds.set(ValueLayout.JAVA_SHORT, base + OFF_EVENTS, POLLIN);
            fds.set(ValueLayout.JAVA_SHORT, base + OFF_REVENTS, (short) 0);
            ready[i] = false;
        }
        final int rc = Libc.poll(fds, count + 1, timeoutMs);
        if (rc == -Errno.EINTR || rc == 0) {
            return 0;
        }
        Errno.check(rc, "poll", "pidfds");
        if ((fds.get(ValueLayout.JAVA_SHORT, OFF_REVENTS) & POLLIN) != 0) {
            wake.drain();
        }
        int n = 0;
        for (int i = 0; i < count; i++) {
            final short revents = fds.get(ValueLayout.JAVA_SHORT, POLLFD_SIZE * (i + 1) + OFF_REVENTS);
            if ((revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0) {
                ready[i] = true;
                n++;
            }
        }
        return n;
    }

    /** Closes the eventfd and frees the set (the watched descriptors belong to the caller). */
    @Override
    public void close() {
        wake.close();
        arena.close();
    }
}
