package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * CLOCK_REALTIME read through clock_gettime(3) without allocation, and the conversion of kernel receive
 * timestamps (which are CLOCK_REALTIME, see socket(7) SO_TIMESTAMPNS) into the {@link System#nanoTime()}
 * domain that every armd consumer compares against.
 *
 * <p>Thread-safe: each thread has its own struct timespec.
 */
public final class Clock {
    /** CLOCK_REALTIME (linux/time.h). */
    public static final int CLOCK_REALTIME = 0;
    /** sizeof(struct timespec) on 64-bit Linux: tv_sec (8) then tv_nsec (8). */
    public static final int TIMESPEC_SIZE = 16;

    private static final long NS_PER_S = 1_000_000_000L;

    /**
     * clock_gettime is vDSO-backed and never blocks: a critical call skips the thread-state transition. It
     * fails only for a bad clock id or address (neither can happen here), so it is built without the errno
     * capture, and a non-zero result is a bug.
     */
    private static final MethodHandle CLOCK_GETTIME = Libc.plainCall("clock_gettime",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
        Linker.Option.critical(false));

    private static final ThreadLocal<MemorySegment> TIMESPEC =
        ThreadLocal.withInitial(() -> Arena.global().allocate(TIMESPEC_SIZE, 8));

    private Clock() {
    }

    /** Nanoseconds since the epoch on CLOCK_REALTIME. */
    public static long realtimeNs() {
        final MemorySegment ts = TIMESPEC.get();
        try {
            final int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_REALTIME, ts);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_REALTIME) failed");
            }
        } catch (Throwable t) {
            throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
        }
        return timespecNs(ts, 0);
    }

    /** Reads a struct timespec at {@code offset} of {@code seg} as nanoseconds. */
    public static long timespecNs(final MemorySegment seg, final long offset) {
        return seg.get(ValueLayout.JAVA_LONG_UNALIGNED, offset) * NS_PER_S
            + seg.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8);
    }

    /**
     * Maps a CLOCK_REALTIME instant into the {@link System#nanoTime()} domain, given one pair of readings of
     * both clocks taken together: {@code nowNs - (nowRealtimeNs - realtimeNs)}.
     */
    public static long toNanoTime(final long realtimeNs, final long nowNs, final long nowRealtimeNs) {
        return nowNs - (nowRealtimeNs - realtimeNs);
    }
}
