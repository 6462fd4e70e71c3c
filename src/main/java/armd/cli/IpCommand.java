package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.base.Json;

import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.netlink.AddressResult;
import armd.sys.netlink.InterfaceAddress;
import armd.sys.netlink.Rtnetlink;
import armd.wire.Rtnl;
import armd.wire.RtnlAddr;

import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code armd ip add|del ADDRESS/PREFIX --interface IF} and {@code armd ip list [--interface IF]}: interface
 * addresses through rtnetlink, as the floating-IP resource manages them. Adding an address that is already
 * there, or removing one that is not, exits 1 with a line saying so.
 */
public final class IpCommand implements Command {
    static final String USAGE = """
        usage: armd ip add ADDRESS/PREFIX --interface IF [--json]
               armd ip del ADDRESS/PREFIX --interface IF [--json]
               armd ip list [--interface IF] [--json]
          add and remove interface addresses through rtnetlink (IPv4 and IPv6), or list them.
          A missing /PREFIX means a host prefix (/32, /128), as with iproute2.
        exit: 0 done, 1 the address is already there (add) or not there (del), 2 usage (malformed address,
              unknown interface), 3 system error (not root, kernel refused)""";

    /** A parsed {@code ADDRESS/PREFIX}. */
    record Cidr(byte[] address, int prefixLen, String text) {
    }

    private final PrintStream out;

    /** Prints to standard output. */
    public IpCommand() {
        this(System.out);
    }

    /** Prints results to {@code out} (tests); errors leave as {@link OperatorException}. */
    public IpCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) {
        final Args args = Args.parse(argv, Set.of("interface"), Set.of("json", "help"));
        if (args.flag("help") || args.positionals().isEmpty()) {
            if (args.flag("help")) {
                out.println(USAGE);
                return Exit.OK;
            }
            throw OperatorException.usage("which action? add, del or list (armd ip --help)");
        }
        final String action = args.positionals().get(0);
        return switch (action) {
            case "add", "del", "delete" -> change(action.startsWith("d") ? "del" : "add", args);
            case "list", "show" -> list(args);
            default -> throw OperatorException.usage("unknown action '" + action + "': add, del or list");
        };
    }

    private int change(final String action, final Args args) {
        args.maxPositionals(2);
        final Cidr cidr = parseCidr(args.positional(1, "ADDRESS/PREFIX"));
        final String ifName = args.required("interface");
        final int ifIndex = resolve(ifName);
        final AddressResult r;
        try (Rtnetlink rt = Rtnetlink.open()) {
            r = action.equals("add") ? rt.addAddress(ifIndex, cidr.address(), cidr.prefixLen())
                : rt.deleteAddress(ifIndex, cidr.address(), cidr.prefixLen());
            if (args.flag("json")) {
                out.println(new Json().put("action", action).put("address", cidr.text()).put("interface", ifName)
                    .put("result", r.name()).put("detail", r.text()).toString());
            }
            return switch (r) {
                case DONE -> {
                    if (!args.flag("json")) {
                        out.println(cidr.text() + (action.equals("add") ? " added to " : " removed from ") + ifName);
                    }
                    yield Exit.OK;
                }
                case EXISTS -> throw new OperatorException(Exit.FAULT,
                    cidr.text() + " is already on " + ifName + " (address exists)");
                case NOT_FOUND -> throw new OperatorException(Exit.FAULT,
                    cidr.text() + " is not on " + ifName + " (not found)");
                case NO_DEVICE -> throw OperatorException.usage(ifName + ": no such interface (no such device)");
                case INVALID_PREFIX -> throw OperatorException.usage(cidr.text() + ": invalid prefix"
                    + (rt.lastErrorMessage() != null ? " (" + rt.lastErrorMessage() + ")" : ""));
            };
        } catch (SysException e) {
            throw systemError(e);
        }
    }

    private int list(final Args args) {
        args.maxPositionals(1);
        final String ifName = args.value("interface");
        final int ifIndex = ifName == null ? 0 : resolve(ifName);
        final List<InterfaceAddress> all;
        try (Rtnetlink rt = Rtnetlink.open()) {
            all = rt.listAddresses(Rtnl.AF_UNSPEC, ifIndex);
        } catch (SysException e) {
            throw systemError(e);
        }
        if (args.flag("json")) {
            final List<String> items = new ArrayList<>();
            for (final InterfaceAddress a : all) {
                items.add(new Json().put("interface", a.ifName()).put("index", a.ifIndex())
                    .put("family", a.address() instanceof Inet6Address ? "inet6" : "inet")
                    .put("address", RtnlAddr.text(a.address())).put("prefix", a.prefixLen())
                    .put("scope", scopeName(a.scope())).put("flags", a.flags()).put("label", a.label()).toString());
            }
            out.println(Json.array(items));
        } else {
            for (final InterfaceAddress a : all) {
                out.println(a.ifName() + " " + (a.address() instanceof Inet6Address ? "inet6 " : "inet ")
                    + RtnlAddr.text(a.address()) + "/" + a.prefixLen() + " scope " + scopeName(a.scope())
                    + (a.label() != null && !a.label().equals(a.ifName()) ? " label " + a.label() : ""));
            }
        }
        return Exit.OK;
    }

    static String scopeName(final int scope) {
        return switch (scope) {
            case Rtnl.RT_SCOPE_UNIVERSE -> "global";
            case Rtnl.RT_SCOPE_SITE -> "site";
            case Rtnl.RT_SCOPE_LINK -> "link";
            case Rtnl.RT_SCOPE_HOST -> "host";
            default -> Integer.toString(scope);
        };
    }

    private static int resolve(final String ifName) {
        final int idx = Rtnetlink.ifIndex(ifName);
        if (idx < 0) {
            throw OperatorException.usage(ifName + ": no such interface; 'armd ip list' shows them");
        }
        return idx;
    }

    private static OperatorException systemError(final SysException e) {
        if (e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
            return OperatorException.system(e.getMessage() + "; run armd as root (CAP_NET_ADMIN)");
        }
        return OperatorException.system(e.getMessage());
    }

    /**
     * Parses {@code ADDRESS[/PREFIX]} with a literal IPv4 (dotted quad) or IPv6 address; never resolves a
     * name. A malformed one is a usage error naming it.
     */
    static Cidr parseCidr(final String s) {
        final int slash = s.indexOf('/');
        final String addrText = slash < 0 ? s : s.substring(0, slash);
        final byte[] addr = parseAddress(addrText);
        if (addr == null) {
            throw OperatorException.usage("'" + s + "' is not an IPv4 or IPv6 address with a prefix "
                + "(e.g. 192.0.2.10/24)");
        }
        final int max = addr.length * 8;
        int prefix = max;
        if (slash >= 0) {
            final String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(p) > max) {
                throw OperatorException.usage("'" + s + "': invalid prefix (0 to " + max + ")");
            }
            prefix = Integer.parseInt(p);
        }
        return new Cidr(addr, prefix, text(addr) + "/" + prefix);
    }

    /** The bytes of a literal IPv4 or IPv6 address, or null. */
    static byte[] parseAddress(final String s) {
        if (s.indexOf(':') >= 0) {
            // the JDK parses text that contains ':' and starts with a hex digit or ':' as a literal only
            if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null;
            }
            try {
                final InetAddress a = InetAddress.getByName(s);
                final byte[] b = a.getAddress();
                return b.length == 16 ? b : null;
            } catch (UnknownHostException | IllegalArgumentException e) {
                return null;
            }
        }
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        final byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            final String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            final int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    private static String text(final byte[] addr) {
        try {
            return RtnlAddr.text(InetAddress.getByAddress(addr));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
