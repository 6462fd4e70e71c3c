package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Scheduling policy of the calling thread: sched_setscheduler(2) with pid 0 acts on the calling thread only
 * (Linux schedules threads, not processes), which is how the heartbeat sender gets real-time priority while
 * the rest of the JVM stays at normal priority.
 *
 * <p>Thread-safe; every call acts on the thread that makes it.
 */
public final class Sched {
    /** SCHED_OTHER (linux/sched.h). */
    public static final int SCHED_OTHER = 0;
    /** SCHED_FIFO (linux/sched.h). */
    public static final int SCHED_FIFO = 1;
    /** OR-ed into the policy: a child forked by the thread gets SCHED_OTHER (linux/sched.h). */
    public static final int SCHED_RESET_ON_FORK = 0x40000000;

    private static final MethodHandle SCHED_SETSCHEDULER = Libc.errnoCall("sched_setscheduler",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SCHED_GETSCHEDULER = Libc.errnoCall("sched_getscheduler",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Sched() {
    }

    /**
     * Puts the calling thread at SCHED_FIFO {@code priority} (1..99). Returns 0, or -errno (-EPERM without
     * CAP_SYS_NICE or without a real-time budget in the cgroup): never throws for that, the caller logs once.
     */
    public static int setFifo(final int priority) {
        // children forked from the thread (fsck, mount, scripts) start at normal priority again
        return setScheduler(SCHED_FIFO | SCHED_RESET_ON_FORK, priority);
    }

    /** sched_setscheduler(0, policy, {priority}) for the calling thread: 0 or -errno. */
    public static int setScheduler(final int policy, final int priority) {
        final MemorySegment c = Libc.errnoCapture();
        try (Arena arena = Arena.ofConfined()) {
            // struct sched_param { int sched_priority; } (linux/sched/types.h)
            final MemorySegment param = arena.allocate(ValueLayout.JAVA_INT);
            param.set(ValueLayout.JAVA_INT, 0, priority);
            return Libc.result((int) SCHED_SETSCHEDULER.invokeExact(c, 0, policy, param), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The calling thread's policy ({@link #SCHED_OTHER}, {@link #SCHED_FIFO}, ...) or -errno. */
    public static int policy() {
        final MemorySegment c = Libc.errnoCapture();
        try {
            final int rc = Libc.result((int) SCHED_GETSCHEDULER.invokeExact(c, 0), c);
            return rc < 0 ? rc : rc & ~SCHED_RESET_ON_FORK;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
