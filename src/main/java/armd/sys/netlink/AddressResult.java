package armd.sys.netlink;

import armd.sys.Errno;

/** The expected outcomes of adding or removing an interface address; other kernel errors are exceptions. */
public enum AddressResult {
    /** The kernel acknowledged the change. */
    DONE("done"),
    /** RTM_NEWADDR: EEXIST. */
    EXISTS("address exists"),
    /** RTM_DELADDR: EADDRNOTAVAIL. */
    NOT_FOUND("not found"),
    /** ENODEV: the interface index does not exist (any more). */
    NO_DEVICE("no such device"),
    /** EINVAL: the kernel refused the prefix or the address. */
    INVALID_PREFIX("invalid prefix");

    private final String text;

    AddressResult(final String text) {
        this.text = text;
    }

    /** A short phrase for operators, e.g. {@code address exists}. */
    public String text() {
        return text;
    }

    /** The result for a netlink error code (0 or -errno), or null when it is not an expected one. */
    static AddressResult of(final int error) {
        return switch (-error) {
            case 0 -> DONE;
            case Errno.EEXIST -> EXISTS;
            case Errno.EADDRNOTAVAIL -> NOT_FOUND;
            case Errno.ENODEV -> NO_DEVICE;
            case Errno.EINVAL -> INVALID_PREFIX;
            default -> null;
        };
    }
}
