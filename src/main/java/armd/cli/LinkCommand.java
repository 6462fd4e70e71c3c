package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.base.Json;

import armd.probe.LinkMonitor;
import armd.sys.SysException;
import armd.sys.netlink.Rtnetlink;
import armd.wire.Rtnl;
import armd.wire.RtnlAddr;
import armd.wire.RtnlLink;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code armd link watch [--interface IF] [--count N] [--timeout MS] [--json]}: prints each rtnetlink link
 * and address event with a timestamp, as the agent sees them. Stops after N events (exit 0) or at the
 * timeout (exit 0 without --count, 1 when fewer than N events came).
 */
public final class LinkCommand implements Command {
    static final String USAGE = """
        usage: armd link watch [--interface IF] [--count N] [--timeout MS] [--json]
          prints link (up/down, carrier, operstate) and address events, each with a UTC timestamp.
          --interface IF  only events of this interface
          --count N       stop after N events (exit 0)
          --timeout MS    stop after MS milliseconds (exit 1 if --count events did not all come)
          --json          one JSON object per event
        exit: 0 done, 1 timeout before --count events, 2 usage (unknown interface), 3 system error""";

    private final PrintStream out;
    private final PrintStream err;

    /** Prints to standard output and error. */
    public LinkCommand() {
        this(System.out, System.err);
    }

    /** Prints events to {@code out} and the start notice to {@code err} (tests). */
    public LinkCommand(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public int run(final String[] argv) {
        final Args args = Args.parse(argv, Set.of("interface", "count", "timeout"), Set.of("json", "help"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        final String action = args.maxPositionals(1).positional(0, "action: watch");
        if (!action.equals("watch")) {
            throw OperatorException.usage("unknown action '" + action + "': watch");
        }
        final String ifName = args.value("interface");
        final int count = args.intValue("count", 0, 1, Integer.MAX_VALUE);
        final int timeoutMs = args.intValue("timeout", 0, 1, Integer.MAX_VALUE);
        final boolean json = args.flag("json");
        final int ifIndex;
        if (ifName != null) {
            ifIndex = Rtnetlink.ifIndex(ifName);
            if (ifIndex < 0) {
                throw OperatorException.usage(ifName + ": no such interface; 'armd ip list' shows them");
            }
        } else {
            ifIndex = 0;
        }
        try (LinkMonitor monitor = LinkMonitor.open(true); Rtnetlink rt = Rtnetlink.open()) {
            final Printer printer = new Printer(ifName, ifIndex, count, json, rt.linkNames());
            err.println("armd link: watching link and address events"
                + (ifName != null ? " of " + ifName : "") + " (Ctrl-C stops)");
            err.flush();
            final long deadlineNs = timeoutMs > 0 ? System.nanoTime() + timeoutMs * 1_000_000L : Long.MAX_VALUE;
            while (count == 0 || printer.printed < count) {
                final long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    if (count > 0) {
                        throw new OperatorException(Exit.FAULT, printer.printed + " of " + count
                            + " events within " + timeoutMs + " ms" + (ifName != null ? " on " + ifName : ""));
                    }
                    return Exit.OK;
                }
                if (monitor.await((int) Math.min(1000, Math.max(1, leftNs / 1_000_000)))) {
                    monitor.poll(printer);
                }
            }
            return Exit.OK;
        } catch (SysException e) {
            throw OperatorException.system(e.getMessage());
        }
    }

    /** Prints events as they come; keeps the index-to-name map current for address events. */
    private final class Printer implements LinkMonitor.Handler {
        private final byte[] filterName;
        private final int filterIndex;
        private final int limit;
        private final boolean json;
        private final Map<Integer, String> names;
        int printed;

        Printer(final String ifName, final int ifIndex, final int limit, final boolean json,
                final Map<Integer, String> names) {
            this.filterName = ifName == null ? null : ifName.getBytes(StandardCharsets.UTF_8);
            this.filterIndex = ifIndex;
            this.limit = limit;
            this.json = json;
            this.names = new HashMap<>(names);
        }

        private boolean full() {
            return limit > 0 && printed >= limit;
        }

        @Override
        public void onLink(final int type, final RtnlLink link) {
            final String name = link.name();
            if (type == Rtnl.RTM_NEWLINK) {
                names.put(link.ifIndex(), name);
            }
            if (full() || filterName != null && !link.nameIs(filterName) && link.ifIndex() != filterIndex) {
                return;
            }
            final String now = now();
            if (json) {
                out.println(new Json().put("time", now).put("event", "link")
                    .put("action", type == Rtnl.RTM_DELLINK ? "removed" : "changed")
                    .put("interface", name).put("index", link.ifIndex())
                    .put("up", link.usable()).put("admin_up", link.adminUp()).put("carrier", link.hasCarrier())
                    .put("operstate", RtnlLink.operStateName(link.operState())).put("flags", link.flags())
                    .toString());
            } else if (type == Rtnl.RTM_DELLINK) {
                out.println(now + " link " + name + " (index " + link.ifIndex() + ") removed");
            } else {
                out.println(now + " link " + name + " (index " + link.ifIndex() + ") "
                    + (link.usable() ? "up" : "down") + ": admin " + (link.adminUp() ? "up" : "down")
                    + ", " + (link.hasCarrier() ? "carrier" : "no carrier")
                    + ", operstate " + RtnlLink.operStateName(link.operState()));
            }
            out.flush();
            printed++;
        }

        @Override
        public void onAddress(final int type, final RtnlAddr address) {
            if (full() || filterIndex != 0 && address.ifIndex() != filterIndex) {
                return;
            }
            final String now = now();
            final String name = names.getOrDefault(address.ifIndex(), "?");
            final boolean added = type == Rtnl.RTM_NEWADDR;
            if (json) {
                out.println(new Json().put("time", now).put("event", "address")
                    .put("action", added ? "added" : "removed").put("interface", name)
                    .put("index", address.ifIndex()).put("address", address.cidr()).toString());
            } else {
                out.println(now + " address " + address.cidr() + (added ? " added to " : " removed from ")
                    + name + " (index " + address.ifIndex() + ")");
            }
            out.flush();
            printed++;
        }

        @Override
        public void onOverrun() {
            err.println("armd link: the kernel dropped events (socket buffer overrun); some changes were missed");
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
