package armd.sys.proc;

import armd.sys.Libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * pidfd_open(2) and pidfd_send_signal(2): a process handle that cannot be confused with a later process
 * reusing the pid, and that becomes readable (POLLIN) when the process exits. Linux 5.3+, through glibc's
 * wrappers (2.36+, sys/pidfd.h). Every call returns the result or {@code -errno}.
 */
public final class Pidfd {
    /** SIGKILL (asm-generic/signal.h). */
    public static final int SIGKILL = 9;
    /** SIGTERM. */
    public static final int SIGTERM = 15;

    private static final MethodHandle PIDFD_OPEN = Libc.errnoCall("pidfd_open",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PIDFD_SEND_SIGNAL = Libc.errnoCall("pidfd_send_signal",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT));

    private Pidfd() {
    }

    /** pidfd_open(pid, 0): a close-on-exec descriptor, or -errno (-ESRCH: no such process). */
    public static int open(final int pid) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) PIDFD_OPEN.invokeExact(c, pid, 0), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** pidfd_send_signal(pidfd, sig, NULL, 0): 0 or -errno (-ESRCH: the process has exited). */
    public static int sendSignal(final int pidfd, final int signal) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return Libc.result((int) PIDFD_SEND_SIGNAL.invokeExact(c, pidfd, signal, MemorySegment.NULL, 0), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** close(2): 0 or -errno. */
    public static int close(final int fd) {
        return Libc.close(fd);
    }
}
