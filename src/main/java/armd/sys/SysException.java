package armd.sys;

/** A system call failed: names the call, its target (device, interface, address) and the errno. */
public final class SysException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String op;
    private final String target;
    private final int errno;

    /** The message reads {@code op(target) failed: strerror}. */
    public SysException(final String op, final String target, final int errno) {
        super(op + "(" + target + ") failed: " + Errno.describe(errno));
        this.op = op;
        this.target = target;
        this.errno = errno;
    }

    /** The system call, e.g. {@code ioctl SG_IO}. */
    public String op() {
        return op;
    }

    /** What it acted on: a device path, an interface, an address. */
    public String target() {
        return target;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }
}
