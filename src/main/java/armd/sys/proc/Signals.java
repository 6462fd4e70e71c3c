package armd.sys.proc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * kill(2), the one downcall the script runner needs beyond {@link java.lang.ProcessHandle}: signalling a whole
 * process group ({@code kill(-pgid, sig)}), which the JDK cannot do. Returns 0 or {@code -errno} like
 * {@code armd.sys.Libc}.
 *
 * <p>Thread-safe: the handle is immutable; the errno capture segment is per thread.
 */
public final class Signals {
    /** SIGKILL (asm-generic/signal.h; the same on x86_64 and aarch64). */
    public static final int SIGKILL = 9;
    /** SIGTERM (asm-generic/signal.h). */
    public static final int SIGTERM = 15;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
        ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE_LAYOUT));
    private static final MethodHandle KILL = LINKER.downcallHandle(
        LINKER.defaultLookup().find("kill").orElseThrow(() -> new UnsatisfiedLinkError("libc: kill")),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
        Linker.Option.captureCallState("errno"));

    private Signals() {
    }

    /** kill(2): 0 or -errno ({@code -ESRCH} when no such process or group). */
    public static int kill(final int pid, final int signal) {
        final MemorySegment c = CAPTURE.get();
        try {
            final int rc = (int) KILL.invokeExact(c, pid, signal);
            return rc == -1 ? -(int) ERRNO.get(c, 0L) : rc;
        } catch (Throwable t) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
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
