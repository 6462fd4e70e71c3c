package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.base.Json;

import armd.probe.IcmpProbe;
import armd.probe.ProbeOutcome;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.packet.PacketSocket;

import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * {@code armd probe ping ADDRESS [--interface IF] [--timeout MS] [--count N --interval MS] [--json]}: ICMP
 * echo with per-try round-trip time in microseconds. Exit 0 when at least one reply came (as ping(8)), 1 when
 * none did, 2 for a usage error, 3 for a system error.
 */
public final class PingCommand implements Command {
    static final String USAGE = """
        usage: armd probe ping ADDRESS [--interface IF] [--timeout MS] [--count N --interval MS] [--json]
          ICMP echo to ADDRESS (an IPv4 or IPv6 address, not a name): a raw socket when root, else the
          unprivileged ping socket (net.ipv4.ping_group_range must include your group).
          --interface IF   send through interface IF only (also the scope of a link-local IPv6 address)
          --timeout MS     wait this long for each reply (default 1000)
          --count N        send N echo requests (default 1)
          --interval MS    time between requests (default 1000)
          --json           one JSON object on standard output
        exit codes: 0 a reply came (to at least one request), 1 no reply, 2 usage, 3 system error""";

    static final int DEFAULT_TIMEOUT_MS = 1000;
    static final int DEFAULT_INTERVAL_MS = 1000;

    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final PrintStream out;

    /** A command printing to standard output. */
    public PingCommand() {
        this(System.out);
    }

    PingCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) {
        final Args args = Args.parse(argv, Set.of("interface", "timeout", "count", "interval"), Set.of("json", "help"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        args.maxPositionals(1);
        final String text = args.positional(0, "ADDRESS (an IPv4 or IPv6 address)");
        final InetAddress address = parseAddress(text);
        final String ifName = args.value("interface");
        if (ifName != null) {
            checkInterface(ifName);
        }
        final int timeoutMs = args.intValue("timeout", DEFAULT_TIMEOUT_MS, 1, 3_600_000);
        final int count = args.intValue("count", 1, 1, 1_000_000);
        final int intervalMs = args.intValue("interval", DEFAULT_INTERVAL_MS, 0, 3_600_000);
        final boolean json = args.flag("json");
        // as the operator wrote it: Java would print ::1 as 0:0:0:0:0:0:0:1
        final String target = text;

        final IcmpProbe probe;
        try {
            probe = IcmpProbe.open(address, ifName, null);
        } catch (SysException e) {
            throw openFailure(e, target, ifName);
        }
        final List<String> tries = new ArrayList<>();
        int replies = 0;
        ProbeOutcome worst = ProbeOutcome.HEALTHY;
        long minNs = Long.MAX_VALUE;
        long maxNs = 0;
        long sumNs = 0;
        try (probe) {
            final long startNs = System.nanoTime();
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    final long dueNs = startNs + i * (long) intervalMs * 1_000_000L;
                    for (long left = dueNs - System.nanoTime(); left > 0; left = dueNs - System.nanoTime()) {
                        LockSupport.parkNanos(left);
                    }
                }
                final IcmpProbe.Result r = probe.probe(timeoutMs);
                final Json t = new Json().put("seq", r.sequence()).put("outcome", outcomeName(r.outcome()));
                if (r.outcome() == ProbeOutcome.HEALTHY) {
                    replies++;
                    minNs = Math.min(minNs, r.rttNs());
                    maxNs = Math.max(maxNs, r.rttNs());
                    sumNs += r.rttNs();
                    t.put("rtt_us", micros(r.rttNs()));
                    if (!json) {
                        out.println("reply from " + target + ": seq=" + r.sequence() + " time=" + microsText(r.rttNs())
                            + " us");
                    }
                } else {
                    worst = worst.worst(r.outcome());
                    t.put("reason", describe(r));
                    if (!json) {
                        out.println(r.reason().equals(IcmpProbe.NO_REPLY)
                            ? "no reply from " + target + ": seq=" + r.sequence() + " within " + timeoutMs + " ms"
                            : target + ": seq=" + r.sequence() + " " + describe(r));
                    }
                }
                tries.add(t.toString());
                if (r.outcome() == ProbeOutcome.ERROR) {
                    break;
                }
            }
        }
        final int exit = worst == ProbeOutcome.ERROR ? Exit.SYSTEM : replies > 0 ? Exit.OK : Exit.FAULT;
        if (json) {
            final Json j = new Json().put("probe", "ping").put("address", target).put("interface", ifName)
                .put("socket", probe.kind().name().toLowerCase(Locale.ROOT)).put("timeout_ms", timeoutMs)
                .put("sent", tries.size()).put("replies", replies);
            if (replies > 0) {
                j.put("rtt_min_us", micros(minNs)).put("rtt_avg_us", micros(sumNs / replies))
                    .put("rtt_max_us", micros(maxNs));
            }
            j.putRaw("tries", Json.array(tries)).put("exit", exit);
            out.println(j);
        } else if (count > 1) {
            out.println(target + ": " + tries.size() + " sent, " + replies + " replies"
                + (replies > 0 ? ", rtt min/avg/max " + microsText(minNs) + "/" + microsText(sumNs / replies) + "/"
                + microsText(maxNs) + " us" : ""));
        }
        return exit;
    }

    private static String describe(final IcmpProbe.Result r) {
        return r.errno() == 0 ? r.reason() : r.reason() + " (" + Errno.describe(r.errno()) + ")";
    }

    static String outcomeName(final ProbeOutcome o) {
        return switch (o) {
            case HEALTHY -> "reply";
            case FAULT -> "no_reply";
            case ERROR -> "error";
        };
    }

    static double micros(final long ns) {
        return Math.round(ns / 100.0) / 10.0;
    }

    static String microsText(final long ns) {
        return String.format(Locale.ROOT, "%.1f", ns / 1000.0);
    }

    private static OperatorException openFailure(final SysException e, final String target, final String ifName) {
        final int errno = e.errno();
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return OperatorException.system("cannot open an ICMP socket to " + target + ": not permitted; run as "
                + "root, or add your group to sysctl net.ipv4.ping_group_range");
        }
        if (errno == Errno.ENODEV && ifName != null) {
            return OperatorException.usage("no interface '" + ifName + "' here: see 'ip link'");
        }
        if (errno == Errno.EAFNOSUPPORT || errno == Errno.EPROTONOSUPPORT) {
            return OperatorException.system("cannot ping " + target + ": this kernel has no "
                + (target.indexOf(':') >= 0 ? "IPv6" : "IPv4") + " ICMP socket support");
        }
        return OperatorException.system("cannot ping " + target + ": " + e.getMessage());
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 address, never a host name (a probe must not wait on DNS).
     * A usage error names the input.
     */
    static InetAddress parseAddress(final String text) {
        final boolean v6 = text.indexOf(':') >= 0;
        if (text.indexOf('%') >= 0) {
            throw OperatorException.usage("'" + text + "': give the interface of a link-local address with "
                + "--interface, not %");
        }
        if (!v6 && !DOTTED_QUAD.matcher(text).matches()) {
            throw OperatorException.usage("'" + text + "' is not an IPv4 or IPv6 address (names are not looked up)");
        }
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw OperatorException.usage("'" + text + "' is not an IPv4 or IPv6 address (names are not looked up)");
        }
    }

    /** An IPv4 address as an int, first octet most significant. */
    static int ipv4(final Inet4Address a) {
        final byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** Fails with a usage error when there is no interface {@code name} in this network namespace. */
    static void checkInterface(final String name) {
        if (PacketSocket.interfaceIndex(name) < 0) {
            throw OperatorException.usage("no interface '" + name + "' here: see 'ip link'");
        }
    }
}
