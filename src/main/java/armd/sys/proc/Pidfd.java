package armd.sys.proc;

import armd.sys.Libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * pidfd_open(2) and pidfd_send_signal(2): a process handle that cannot be confused with a later process
 * reusing the pid, and that becomes readable (POLLIN) when the process exits. Linux 5.3+. The syscall
 * numbers are the same on x86_64 and aarch64 (the unified table from 5.1 on, include/uapi/asm-generic/
 * unistd.h). Every call returns the result or {@code -errno}.
 */
public final class Pidfd {
    /** __NR_pidfd_open. */
    static final long SYS_PIDFD_OPEN = 434;
    /** __NR_pidfd_send_signal. */
    static final long SYS_PIDFD_SEND_SIGNAL = 424;

    /** SIGKILL (asm-generic/signal.h). */
    public static final int SIGKILL = 9;
    /** SIGTERM. */
    public static final int SIGTERM = 15;

    /** syscall(2) with four arguments: Libc.syscall passes three, and pidfd_send_signal's flags must be 0. */
    private static final MethodHandle SYSCALL4 = Libc.errnoCall("syscall",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
        Linker.Option.firstVariadicArg(1));

    private Pidfd() {
    }

    /** pidfd_open(pid, 0): a close-on-exec descriptor, or -errno (-ESRCH: no such process). */
    public static int open(final int pid) {
        return (int) Libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
    }

    /** pidfd_send_signal(pidfd, sig, NULL, 0): 0 or -errno (-ESRCH: the process has exited). */
    public static int sendSignal(final int pidfd, final int signal) {
        final MemorySegment c = Libc.errnoCapture();
        try {
            return (int) Libc.result((long) SYSCALL4.invokeExact(c, SYS_PIDFD_SEND_SIGNAL, (long) pidfd,
                (long) signal, 0L, 0L), c);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** close(2): 0 or -errno. */
    public static int close(final int fd) {
        return Libc.close(fd);
    }
}
