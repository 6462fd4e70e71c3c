package armd.sys;

/**
 * Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h; identical on x86_64 and aarch64)
 * and the one place a negative result becomes an exception.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ENODATA = 61;
    public static final int ENOTSOCK = 88;
    public static final int EMSGSIZE = 90;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ENOBUFS = 105;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;

    private Errno() {
    }

    /**
     * Returns {@code result} when it is not negative; otherwise throws {@link SysException} naming the call
     * and its target. Use at the edge, not for expected outcomes such as EAGAIN.
     */
    public static int check(final int result, final String op, final String target) {
        if (result < 0) {
            throw new SysException(op, target, -result);
        }
        return result;
    }

    /** {@link #check(int, String, String)} for calls returning ssize_t. */
    public static long check(final long result, final String op, final String target) {
        if (result < 0) {
            throw new SysException(op, target, (int) -result);
        }
        return result;
    }

    /** strerror(3) text of {@code errno}: allocates, for error paths only. */
    public static String describe(final int errno) {
        return Libc.strerror(errno);
    }
}
