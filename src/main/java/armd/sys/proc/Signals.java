package armd.sys.proc;

import armd.sys.Libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * kill(2), the one downcall the script runner needs beyond {@link java.lang.ProcessHandle}: signalling a whole
 * process group ({@code kill(-pgid, sig)}), which the JDK cannot do. Returns 0 or {@code -errno} like
 * {@code armd.sys.Libc}.
 *
 * <p>Thread-safe: the handle is immutable; errno is captured in Libc's per-thread segment.
 */
public final class Signals {
    /** SIGKILL (asm-generic/signal.h; the same on x86_64 and aarch64). */
    public static final int SIGKILL = 9;
    /** SIGTERM (asm-generic/signal.h). */
    public static final int SIGTERM = 15;

    private static final MethodHandle KILL = Libc.errnoCall("kill",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Signals() {
    }

    /** kill(2): 0 or -errno ({@code -ESRCH} when no such process or group). */
    public static int kill(final int pid, final int signal) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) KILL.invokeExact(c, pid, signal), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Sends {@code signal} to every process of group {@code pgid}: 0, or {@code -ESRCH} when the group is
     * empty, or another {@code -errno}. Signal 0 only asks whether the group still has a member.
     */
    public static int killGroup(final int pgid, final int signal) {
        if (pgid <= 1) {
            // kill(0|-1, ...) would hit our own group or every process: never what a caller means
            throw new IllegalArgumentException("process group " + pgid);
        }
        return kill(-pgid, signal);
    }
}
