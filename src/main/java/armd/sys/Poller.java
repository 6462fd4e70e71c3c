package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A fixed set of descriptors waited on with poll(2) (struct pollfd per poll.h: int fd, short events,
 * short revents; 8 bytes). Allocated once; {@link #poll} allocates nothing. Used by one thread.
 */
public final class Poller {
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    /** sizeof(struct pollfd). */
    public static final int POLLFD_SIZE = 8;

    private final MemorySegment fds;
    private final int count;

    /** Waits for input on each of {@code descriptors}. */
    public Poller(final int... descriptors) {
        count = descriptors.length;
        fds = Arena.ofAuto().allocate((long) POLLFD_SIZE * Math.max(1, count), 8);
        for (int i = 0; i < count; i++) {
            fds.set(ValueLayout.JAVA_INT, (long) i * POLLFD_SIZE, descriptors[i]);
            fds.set(ValueLayout.JAVA_SHORT, (long) i * POLLFD_SIZE + 4, POLLIN);
        }
    }

    /**
     * Waits up to {@code timeoutMs} (-1: forever) for input; returns the number of ready descriptors, 0 on
     * timeout or when interrupted by a signal.
     */
    public int poll(final int timeoutMs) {
        final int rc = Libc.poll(fds, count, timeoutMs);
        if (rc >= 0) {
            return rc;
        }
        if (rc == -Errno.EINTR) {
            return 0;
        }
        // the message is built only on an error: the steady state allocates nothing
        return Errno.check(rc, "poll", count + " descriptors");
    }

    /** Whether descriptor {@code i} (in constructor order) had input, an error or a hang-up. */
    public boolean ready(final int i) {
        return fds.get(ValueLayout.JAVA_SHORT, (long) i * POLLFD_SIZE + 6) != 0;
    }
}
