package armd.sys.unix;

import armd.sys.Errno;
import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A list of descriptors, each with the events it waits for, rebuilt before every poll(2) (struct pollfd per
 * asm-generic/poll.h: int fd, short events, short revents; 8 bytes). Grows as needed. One thread.
 */
public final class PollList {
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    static final long POLLFD_SIZE = 8;

    private final Arena arena = Arena.ofAuto();
    private MemorySegment fds;
    private int capacity;
    private int count;

    /** Room for {@code capacity} descriptors to start with. */
    public PollList(final int capacity) {
        grow(Math.max(1, capacity));
    }

    private void grow(final int n) {
        final MemorySegment bigger = arena.allocate(POLLFD_SIZE * n, 8);
        if (fds != null) {
            MemorySegment.copy(fds, 0, bigger, 0, POLLFD_SIZE * count);
        }
        fds = bigger;
        capacity = n;
    }

    /** Empties the list. */
    public void clear() {
        count = 0;
    }

    /** Adds {@code fd} waiting for {@code events}; returns its index. */
    public int add(final int fd, final short events) {
        if (count == capacity) {
            grow(capacity * 2);
        }
        final long base = POLLFD_SIZE * count;
        fds.set(ValueLayout.JAVA_INT, base, fd);
        fds.set(ValueLayout.JAVA_SHORT, base + 4, events);
        fds.set(ValueLayout.JAVA_SHORT, base + 6, (short) 0);
        return count++;
    }

    /** Waits up to {@code timeoutMs} (-1: no limit); returns how many are ready, 0 on timeout or a signal. */
    public int poll(final int timeoutMs) {
        final int rc = Libc.poll(fds, count, timeoutMs);
        if (rc == -Errno.EINTR) {
            return 0;
        }
        return Errno.check(rc, "poll", count + " descriptors");
    }

    /** What happened to the descriptor at {@code index} (0: nothing). */
    public short revents(final int index) {
        return fds.get(ValueLayout.JAVA_SHORT, POLLFD_SIZE * index + 6);
    }
}
